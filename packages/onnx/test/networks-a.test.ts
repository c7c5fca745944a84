import { NETWORK_NAMES } from '@resblocks/spec';
import { it } from 'vitest';
import { checkNetwork } from './networks.js';

// Half of the registry per file so the two halves run in parallel.
it.each(NETWORK_NAMES.filter((_, i) => i % 2 === 0))(
  '%s exports and matches the reference in onnxruntime-node',
  checkNetwork,
);

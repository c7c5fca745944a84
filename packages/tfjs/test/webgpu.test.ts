import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';
import { CI } from './ci.js';

const probe = await tfjsAdapter.probe('webgpu');

describe('tfjs:webgpu in Node (Dawn)', () => {
  // Under CI a missing adapter is a failure, never a silent skip.
  it.skipIf(!CI && !probe.available)('finds a WebGPU adapter', () => {
    expect(probe.reason).toBeUndefined();
    expect(probe.available).toBe(true);
    expect(['gpu', 'software']).toContain(probe.device);
  });
  // The cases themselves run in conformance-webgpu.test.ts.
});

import * as gpujs from '@resblocks/gpujs';
import * as onnxWeb from '@resblocks/onnx-web';
import type { Adapter } from '@resblocks/spec';
import { referenceAdapter } from '@resblocks/spec';
import * as tfjs from '@resblocks/tfjs';
import { brokenAdapter } from './broken.js';

/**
 * Every adapter the page can run, by id. Namespace imports: an adapter package that does not
 * export its adapter yet shows up as missing (with its export name) instead of breaking the bundle.
 */
const EXPORTS: Record<string, [Record<string, unknown>, string]> = {
  tfjs: [tfjs, 'tfjsAdapter'],
  'onnx-web': [onnxWeb, 'onnxWebAdapter'],
  gpujs: [gpujs, 'gpujsAdapter'],
};

export function adapterById(id: string): Adapter {
  if (id === 'reference') return referenceAdapter;
  if (id === 'broken') return brokenAdapter;
  const entry = EXPORTS[id];
  if (!entry)
    throw new Error(`no adapter '${id}' in the page (known: reference, ${Object.keys(EXPORTS).join(', ')})`);
  const adapter = entry[0][entry[1]] as Adapter | undefined;
  if (!adapter) throw new Error(`the ${id} package does not export ${entry[1]}`);
  return adapter;
}

/** The runtime adapters (the reference is the oracle, never a choice). */
export function runtimeAdapters(): Adapter[] {
  return Object.keys(EXPORTS).flatMap((id) => {
    try {
      return [adapterById(id)];
    } catch {
      return [];
    }
  });
}

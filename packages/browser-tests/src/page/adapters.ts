import * as gpujs from '@resblocks/gpujs';
import * as onnxWeb from '@resblocks/onnx-web';
import {
  ADAPTER_PACKAGES,
  type Adapter,
  type LoadedAdapter,
  loadAdapters,
  referenceAdapter,
  usableAdapters,
} from '@resblocks/spec';
import * as tfjs from '@resblocks/tfjs';
import * as webgpu from '@resblocks/webgpu';
import { brokenAdapter } from './broken.js';

/**
 * The page bundles the adapter packages of the spec's registry (a bundle cannot import by a name
 * known only at run time). A registry package missing here shows up as not loaded, with the reason.
 */
const BUNDLED: Record<string, Record<string, unknown>> = {
  '@resblocks/tfjs': tfjs,
  '@resblocks/onnx-web': onnxWeb,
  '@resblocks/gpujs': gpujs,
  '@resblocks/webgpu': webgpu,
};

let loaded: Promise<LoadedAdapter[]> | undefined;

/** Every registry adapter (reference first), as the page bundles them. */
export function pageAdapters(): Promise<LoadedAdapter[]> {
  loaded ??= loadAdapters(async (name) =>
    BUNDLED[name] ? { module: BUNDLED[name] } : { reason: `${name} is not bundled into this page` },
  );
  return loaded;
}

export async function adapterById(id: string): Promise<Adapter> {
  if (id === 'broken') return brokenAdapter;
  const l = (await pageAdapters()).find((a) => a.id === id);
  if (!l) {
    const known = ['reference', ...ADAPTER_PACKAGES.map((p) => p.id)].join(', ');
    throw new Error(`no adapter '${id}' in the page (known: ${known})`);
  }
  if (!l.adapter) throw new Error(l.reason);
  return l.adapter;
}

/** The runtime adapters (the reference is the oracle, never a choice). */
export async function runtimeAdapters(): Promise<Adapter[]> {
  return usableAdapters(await pageAdapters()).filter((a) => a !== referenceAdapter);
}

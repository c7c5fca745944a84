import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ResblocksError } from '../errors.js';
import { adapterInfo, type WebGpuAdapterInfo } from './webgpu.js';

/**
 * WebGPU for Node through Dawn (the `webgpu` npm package, an optional dependency). WebGPU
 * libraries look for `navigator.gpu`, so this installs it (and the GPU* globals) before any of
 * them is imported. On a machine with no usable Vulkan GPU, Dawn finds no adapter; then, if
 * SwiftShader (Debian's `chromium` package ships it) is present, it is used instead, and the result
 * says so: callers must report a software adapter, never pass it off as a GPU.
 */
export type NodeWebGPU = WebGpuAdapterInfo;

/** Where Debian's chromium puts SwiftShader's Vulkan ICD. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let pending: Promise<NodeWebGPU> | undefined;

/** False only on Linux with neither a DRM render node nor an NVIDIA device (true elsewhere: unknown). */
function linuxHasGpuDevice(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return existsSync('/dev/nvidia0') || readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

interface AdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(o?: unknown): Promise<AdapterLike | null>;
}

async function setup(): Promise<NodeWebGPU> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu@0.6.2 (${(e as Error).message})`,
      {},
      { cause: e },
    );
  }
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const canUseSwiftShader = !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD);
  // A Linux machine without a GPU device node can only offer Mesa's lavapipe, which Dawn rejects
  // with a warning: go straight to SwiftShader there.
  if (!nav?.gpu && canUseSwiftShader && !linuxHasGpuDevice()) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  let gpu = nav?.gpu ?? mod.create([]);
  let adapter = await gpu.requestAdapter();
  if (!adapter && canUseSwiftShader && !process.env.VK_ICD_FILENAMES) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = mod.create([]);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) {
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `no WebGPU adapter: Dawn found no Vulkan GPU (it loads the system Vulkan loader, Debian package libvulkan1)${existsSync(SWIFTSHADER_ICD) ? '' : `, and SwiftShader (${SWIFTSHADER_ICD}, from Debian's chromium package) is not installed`}`,
      {},
    );
  }
  Object.assign(globalThis, mod.globals);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return adapterInfo(adapter);
}

/** Installs `navigator.gpu` for Node once; resolves with what adapter it found or rejects with the reason. */
export function ensureNodeWebGPU(): Promise<NodeWebGPU> {
  pending ??= setup();
  return pending;
}

/** Same as ensureNodeWebGPU, but never rejects: for probes. */
export async function probeNodeWebGPU(): Promise<
  { ok: true; gpu: NodeWebGPU } | { ok: false; reason: string }
> {
  try {
    return { ok: true, gpu: await ensureNodeWebGPU() };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

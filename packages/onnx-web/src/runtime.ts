import { ResblocksError } from '@resblocks/spec';
import type * as OrtModule from 'onnxruntime-web';
import { keepAlive, patchWriteBuffer } from './dawn.js';
import { nodeTieringWindow } from './tiering.js';

export type Ort = typeof OrtModule;
export type EpName = 'wasm' | 'webgpu';

export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation of WebGPU (SwiftShader, lavapipe): correct but slow. */
  readonly software: boolean;
}

/** One loaded onnxruntime-web build, set up for one execution provider. */
export interface Runtime {
  readonly ep: EpName;
  readonly ort: Ort;
  /** Threads requested for the wasm side (ORT lowers it to 1 where threads are impossible). */
  readonly requestedThreads: number;
  readonly gpu?: GpuAdapterInfo;
  /** WebGPU through dawn.node, with the workarounds of dawn.ts applied. */
  readonly dawn: boolean;
  /** Why threads are limited here, if they are. */
  readonly threadsNote?: string;
  /** Runs engine work, keeping the event loop alive where dawn.node needs it. */
  guard<T>(work: () => Promise<T>): Promise<T>;
  /** Like guard, for session creation: the first one also starts ORT's wasm (see tiering.ts). */
  guardCreate<T>(work: () => Promise<T>): Promise<T>;
}

export const isNode =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

async function cores(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

const unavailable = (backend: EpName, cause: unknown, what: string) =>
  new ResblocksError(
    'BACKEND_UNAVAILABLE',
    `onnx-web:${backend} is unavailable: ${what}: ${(cause as Error)?.message ?? String(cause)}`,
    { backend: `onnx-web:${backend}` },
    { cause },
  );

interface GpuLike {
  requestAdapter(): Promise<{ info: Omit<GpuAdapterInfo, 'software'>; isFallbackAdapter?: boolean } | null>;
}

async function loadWasm(): Promise<Runtime> {
  let ort: Ort;
  try {
    ort = await import('onnxruntime-web');
  } catch (e) {
    throw unavailable('wasm', e, 'cannot load onnxruntime-web');
  }
  const threads = await cores();
  // Read before the first session: ORT initialises its wasm (and thread pool) once.
  ort.env.wasm.numThreads = threads;
  const guard = <T>(work: () => Promise<T>) => work();
  return { ep: 'wasm', ort, requestedThreads: threads, dawn: false, guard, guardCreate: guard };
}

async function loadWebGpu(): Promise<Runtime> {
  let gpu: GpuAdapterInfo;
  let dawn = false;
  let adapter: unknown;
  if (isNode) {
    try {
      const { ensureNodeWebGPU } = await import('@resblocks/spec/node-webgpu');
      gpu = await ensureNodeWebGPU();
    } catch (e) {
      throw unavailable('webgpu', e, 'no WebGPU in Node');
    }
    dawn = patchWriteBuffer();
  }
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (!nav?.gpu) throw unavailable('webgpu', new Error('navigator.gpu is missing'), 'no WebGPU');
  try {
    const a = await nav.gpu.requestAdapter();
    if (!a) throw new Error('navigator.gpu.requestAdapter() returned null');
    adapter = a;
    const { vendor, architecture, device, description } = a.info;
    const software =
      /swiftshader|llvmpipe|lavapipe/i.test(`${vendor} ${architecture} ${device} ${description}`) ||
      !!a.isFallbackAdapter;
    gpu = { vendor, architecture, device, description, software };
  } catch (e) {
    throw unavailable('webgpu', e, 'no WebGPU adapter');
  }
  let ort: Ort;
  try {
    ort = (await import('onnxruntime-web/webgpu')) as Ort;
  } catch (e) {
    throw unavailable('webgpu', e, 'cannot load onnxruntime-web/webgpu');
  }
  // In Node the WebGPU build cannot start its wasm worker threads (it fetches the worker script,
  // which fails for file URLs), so its wasm side runs single-threaded there; GPU work is unaffected.
  const threads = isNode ? 1 : await cores();
  ort.env.wasm.numThreads = threads;
  // Hand ORT the adapter whose info is reported, so info() describes what really ran.
  (ort.env.webgpu as { adapter?: unknown }).adapter = adapter;
  const guard: Runtime['guard'] = dawn ? keepAlive : (work) => work();
  // ORT compiles and starts its wasm in the first session creation: only that one needs the window.
  let tiering = isNode ? await nodeTieringWindow() : undefined;
  const guardCreate: Runtime['guardCreate'] = async (work) => {
    const window = tiering;
    if (!window) return guard(work);
    try {
      return await guard(() => window(work));
    } finally {
      tiering = undefined;
    }
  };
  return {
    ep: 'webgpu',
    ort,
    requestedThreads: threads,
    gpu,
    dawn,
    ...(isNode
      ? {
          threadsNote:
            'onnxruntime-web/webgpu cannot start wasm worker threads in Node; its wasm side is single-threaded',
        }
      : {}),
    guard,
    guardCreate,
  };
}

const loaded = new Map<EpName, Promise<Runtime>>();

/** Loads (once) the onnxruntime-web build for an execution provider. */
export function loadRuntime(ep: EpName): Promise<Runtime> {
  let r = loaded.get(ep);
  if (!r) {
    r = ep === 'wasm' ? loadWasm() : loadWebGpu();
    // A failed load may succeed later (e.g. after installing a dependency): do not cache failures.
    r.catch(() => loaded.delete(ep));
    loaded.set(ep, r);
  }
  return r;
}

/**
 * Whether the WebGPU EP really owns a GPU device. ORT sets env.webgpu.device when its WebGPU EP
 * initialises; a session that silently ran on wasm would leave it unset.
 */
export function webgpuDevice(ort: Ort): unknown {
  const device = (ort.env.webgpu as { device?: unknown }).device;
  const ctor = (globalThis as { GPUDevice?: new () => unknown }).GPUDevice;
  if (!device || (ctor && !(device instanceof ctor))) return undefined;
  return device;
}

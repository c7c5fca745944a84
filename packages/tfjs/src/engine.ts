import {
  describeError,
  describeFetchStatus,
  isNode,
  isSoftwareRenderer,
  ResblocksError,
  requestWebGpuAdapter,
  type WebGpuAdapterInfo,
  watchWasmFetches,
  webglRenderer,
} from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';

export type TfjsBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'tensorflow';

/** The optional native peers, best first. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const TENSORFLOW_MISSING =
  "the 'tensorflow' backend needs TensorFlow's native binding, an optional peer that is not installed: " +
  'run `npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU, CUDA) or `npm install @tensorflow/tfjs-node` (CPU)';

export const WEBGL_IN_NODE =
  "the 'webgl' backend needs a browser: tfjs-backend-webgl draws through a WebGL2 canvas, which Node does not have " +
  '(in Node use tfjs:webgpu, tfjs:wasm, tfjs:tensorflow or tfjs:cpu)';

/** What loading a backend found out (kept for probe() and info()). */
export interface LoadedBackend {
  readonly name: TfjsBackend;
  /** The WebGPU adapter tfjs runs on. */
  readonly gpu?: WebGpuAdapterInfo;
  /** Which native package provided 'tensorflow'. */
  readonly nativePackage?: string;
  /** Where the wasm binaries come from: this package's copies (bundled), the app's setWasmPaths, or disk. */
  readonly wasmPaths?: WasmPaths;
}

export type WasmPaths = 'bundled' | 'app' | 'disk';

export const THREADS_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';

/** Decided on the first load of the wasm backend; tfjs refuses setWasmPaths after a failed start. */
let wasmPaths: { from: WasmPaths; files?: Record<string, string> } | undefined;

/**
 * Points tfjs-backend-wasm at its binaries. In Node they are read from the installed package. In a
 * browser, an app that imported tfjs-backend-wasm before the adapter did (tfjs registers the backend
 * then) configures it itself with setWasmPaths, so its paths are left alone; otherwise the copies in
 * dist/wasm/ are used, which bundlers emit next to the app's code.
 */
async function configureWasm(): Promise<{ from: WasmPaths; files?: Record<string, string> }> {
  if (wasmPaths) return wasmPaths;
  const importedByApp = !isNode() && tf.findBackendFactory('wasm') != null;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!isNode() && !(THREADS_FLAG in tf.env().getFlags())) {
    // tfjs's threaded build starts its workers from the source text of its own factory function, which a
    // minifying bundler breaks (the workers throw and the backend never starts): single-threaded SIMD
    // unless the app set the flag itself.
    tf.env().set(THREADS_FLAG, false);
  }
  if (isNode()) {
    wasm.setWasmPaths(await wasmDistDir());
    wasmPaths = { from: 'disk' };
  } else if (importedByApp) {
    wasmPaths = { from: 'app' };
  } else {
    const { WASM_FILES } = await import('./wasm-files.js');
    wasm.setWasmPaths(WASM_FILES);
    wasmPaths = { from: 'bundled', files: WASM_FILES };
  }
  return wasmPaths;
}

/** The URL of the binary tfjs loads in this browser (it picks one from the same two flags), if the adapter set it. */
async function wasmBinaryUrl(): Promise<string | undefined> {
  if (!wasmPaths?.files) return undefined;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const suffix = simd && threads ? '-threaded-simd' : simd ? '-simd' : '';
  return wasmPaths.files[`tfjs-backend-wasm${suffix}.wasm`];
}

export const WASM_FIX =
  'serve the file at that URL (bundlers emit the three tfjs-backend-wasm*.wasm files of @resblocks/tfjs/dist/wasm/ ' +
  "when the app imports @resblocks/tfjs), or call setWasmPaths(prefixOrFileMap) from '@tensorflow/tfjs-backend-wasm' " +
  'with where they are hosted, before the first tfjs:wasm model (see the bundlers guide)';

// Specifiers held in variables so bundlers leave optional/Node-only modules alone.
const importDynamic = (specifier: string): Promise<unknown> => import(specifier);

async function wasmDistDir(): Promise<string> {
  const { createRequire } = (await importDynamic('node:module')) as typeof import('node:module');
  const { dirname, join, sep } = (await importDynamic('node:path')) as typeof import('node:path');
  const require = createRequire(import.meta.url);
  // A plain directory path with a trailing separator: emscripten reads it with fs in Node.
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

async function loadNative(): Promise<string> {
  const { createRequire } = (await importDynamic('node:module')) as typeof import('node:module');
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      require.resolve(pkg);
    } catch {
      continue; // not installed
    }
    try {
      await importDynamic(pkg);
      return pkg;
    } catch (e) {
      failures.push(`${pkg} is installed but failed to load: ${describeError(e)}`);
    }
  }
  throw new Error(failures.length ? failures.join('; ') : TENSORFLOW_MISSING);
}

/** Imports the package that registers the backend with tfjs-core (the kit keeps the result). */
async function load(name: TfjsBackend): Promise<LoadedBackend> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return { name };
    case 'wasm':
      return { name, wasmPaths: (await configureWasm()).from };
    case 'webgpu': {
      // navigator.gpu must exist before the backend module is evaluated: it registers only then.
      const { info } = await requestWebGpuAdapter();
      await import('@tensorflow/tfjs-backend-webgpu');
      return { name, gpu: info };
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return { name };
    case 'tensorflow':
      return { name, nativePackage: await loadNative() };
  }
}

/** The active backend name, without making tfjs pick one when none is set yet. */
export function activeBackend(): string | undefined {
  return (tf.engine() as unknown as { backendName?: string | null }).backendName ?? undefined;
}

/** Switches back to what was active before (when it differs); errors here are not the caller's. */
async function restore(previous: string | undefined): Promise<void> {
  if (previous && (activeBackend() !== previous || !tf.findBackend(previous))) {
    try {
      await tf.setBackend(previous);
    } catch {
      /* the previous backend is someone else's; leaving ours active is harmless */
    }
  }
}

/**
 * Makes `name` the active tfjs backend or throws. Never falls back: tfjs quietly keeps another
 * backend when setBackend fails, so the active name is checked afterwards.
 */
async function activate(name: TfjsBackend): Promise<void> {
  const previous = activeBackend();
  if (previous === name && tf.findBackend(name)) return;
  let ok = false;
  let error: unknown;
  // tfjs logs and returns false when a backend's initialisation fails; keep the cause.
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    error = e;
  }
  const active = activeBackend();
  if (!ok || active !== name || !tf.findBackend(name)) {
    // A failed setBackend leaves tfjs pointing at a backend with no instance: put back the old one.
    await restore(previous);
    throw new Error(
      error
        ? describeError(error)
        : `tf.setBackend('${name}') ${ok ? `left '${active}' active` : 'failed to initialise the backend (see the warning tfjs logged)'}`,
    );
  }
  // The cpu backend prints an advert for tfjs-node on first use in Node; the probe of the
  // `tensorflow` backend already says how to install it, so silence the banner.
  if (name === 'cpu') {
    const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
    if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
  }
}

/**
 * Runs `work` with `name` as tfjs's active backend, then puts back whatever was active before.
 * tfjs has one global backend, so the adapter serializes every call (the kit's 'adapter' queue).
 */
export async function onBackend<T>(name: TfjsBackend, work: () => T | Promise<T>): Promise<T> {
  const previous = activeBackend();
  try {
    await activate(name);
    return await work();
  } finally {
    await restore(previous);
  }
}

let webgpuLost = false;

/** tfjs keeps a dead WebGPU backend forever: replace it by a fresh one from the same factory. */
function replaceLostWebGpu(): void {
  const registry = (
    tf.engine() as unknown as {
      registryFactory: Record<string, { factory: () => tf.KernelBackend; priority: number }>;
    }
  ).registryFactory;
  const entry = registry.webgpu;
  if (!entry) return;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', entry.factory, entry.priority);
  webgpuLost = false;
}

/** Loads the backend's package and proves it initialises (the kit keeps the result once it works). */
export async function openBackend(name: TfjsBackend): Promise<LoadedBackend> {
  const loaded = await load(name);
  if (name === 'webgpu' && webgpuLost) replaceLostWebGpu();
  const watch = name === 'wasm' && !isNode() ? watchWasmFetches(/ort-wasm/) : undefined;
  try {
    await onBackend(name, () => undefined);
  } catch (e) {
    // tfjs only says the backend failed to initialise: name the binary that did not arrive.
    const candidate = watch && (await wasmBinaryUrl());
    const failed = watch && (await watch.failed(candidate ? [candidate] : []));
    if (!failed) throw e;
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `tfjs:wasm is unavailable: its WebAssembly binary ${failed.url} could not be fetched (${describeFetchStatus(failed.status)}); ${WASM_FIX}`,
      { backend: 'tfjs:wasm', url: failed.url, status: failed.status, wasmPaths: wasmPaths?.from },
      { cause: e },
    );
  }
  if (name === 'webgpu') {
    const device = (tf.findBackend('webgpu') as unknown as { device?: { lost?: Promise<unknown> } }).device;
    void device?.lost?.then(() => {
      webgpuLost = true;
    });
  }
  return loaded;
}

/** SIMD, threading and thread count of the initialised wasm backend. */
export async function wasmInfo(): Promise<Record<string, unknown>> {
  const backend = tf.findBackend('wasm') as unknown as
    | { wasm?: { tfjs?: { getThreadsCount(): number } } }
    | undefined;
  return {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: backend?.wasm?.tfjs?.getThreadsCount(),
  };
}

/** What the probe reports for a loaded backend; reads backend state, so call it on the backend. */
export async function backendFacts(
  loaded: LoadedBackend,
): Promise<{ device: 'gpu' | 'software' | 'cpu'; info: Record<string, unknown> }> {
  const info: Record<string, unknown> = { tfjs: tf.version_core, active: activeBackend() };
  let device: 'gpu' | 'software' | 'cpu' = 'cpu';
  if (loaded.gpu) {
    info.gpu = { ...loaded.gpu };
    device = loaded.gpu.software ? 'software' : 'gpu';
  }
  if (loaded.name === 'webgl') {
    const renderer = webglRenderer(tf.env().getNumber('WEBGL_VERSION') === 1 ? 1 : 2);
    info.renderer = renderer;
    // SwiftShader and llvmpipe render WebGL on the CPU: correct but slow, so not ranked as a GPU.
    device = renderer && isSoftwareRenderer(renderer) ? 'software' : 'gpu';
    info.webglVersion = tf.env().getNumber('WEBGL_VERSION');
    info.float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  }
  if (loaded.name === 'wasm') info.wasm = { ...(await wasmInfo()), paths: loaded.wasmPaths };
  if (loaded.nativePackage) {
    info.nativePackage = loaded.nativePackage;
    if (loaded.nativePackage.endsWith('-gpu')) device = 'gpu';
  }
  return { device, info };
}

/** A device-loss error when the WebGPU backend's device is gone, else undefined. */
export function lostDevice(name: TfjsBackend): ResblocksError | undefined {
  if (name !== 'webgpu' || !webgpuLost) return undefined;
  return new ResblocksError('DEVICE_LOST', 'tfjs:webgpu lost its GPU device; compile the model again', {
    backend: 'tfjs:webgpu',
  });
}

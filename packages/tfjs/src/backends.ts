import type { BackendDescriptor } from '@resblocks/spec';
import { ResblocksError } from '@resblocks/spec';
import { ensureNodeWebGPU, type NodeWebGPU } from '@resblocks/spec/node-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { describeError, IN_NODE } from './runtime.js';

export type TfjsBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'tensorflow';

export const BACKENDS: readonly BackendDescriptor[] = [
  {
    name: 'webgpu',
    api: 'webgpu',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-webgpu (WGSL compute shaders; Dawn in Node)',
  },
  {
    name: 'webgl',
    api: 'webgl',
    environments: ['browser'],
    description: 'tfjs-backend-webgl (WebGL2 fragment shaders)',
  },
  {
    name: 'wasm',
    api: 'wasm',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-wasm (XNNPACK, SIMD; threads where cross-origin isolated)',
  },
  {
    name: 'cpu',
    api: 'cpu',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-cpu (plain JavaScript kernels; slow, always there)',
  },
  {
    name: 'tensorflow',
    api: 'native',
    environments: ['node'],
    description:
      'TensorFlow C library via @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (optional peer)',
  },
];

export const BACKEND_NAMES = BACKENDS.map((b) => b.name) as TfjsBackend[];

export function isTfjsBackend(name: string): name is TfjsBackend {
  return (BACKEND_NAMES as string[]).includes(name);
}

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
  /** Node WebGPU adapter (from Dawn) or the browser adapter's info. */
  gpu?:
    | NodeWebGPU
    | { vendor: string; architecture: string; device: string; description: string; software: boolean };
  /** Which native package provided 'tensorflow'. */
  nativePackage?: string;
}

const loads = new Map<TfjsBackend, Promise<LoadedBackend>>();

/** Why a backend cannot run here before anything is imported, or undefined. */
export function staticUnavailability(name: TfjsBackend): string | undefined {
  if (name === 'webgl' && IN_NODE) return WEBGL_IN_NODE;
  if (name === 'tensorflow' && !IN_NODE)
    return "the 'tensorflow' backend runs only in Node (TensorFlow's native binding)";
  return undefined;
}

// Specifiers held in variables so bundlers leave optional/Node-only modules alone.
const importDynamic = (specifier: string): Promise<unknown> => import(specifier);

async function wasmDistDir(): Promise<string> {
  const { createRequire } = (await importDynamic('node:module')) as typeof import('node:module');
  const { dirname, join, sep } = (await importDynamic('node:path')) as typeof import('node:path');
  const require = createRequire(import.meta.url);
  // A plain directory path with a trailing separator: emscripten reads it with fs in Node.
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

async function browserGpuInfo(): Promise<LoadedBackend['gpu']> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is undefined)');
  const adapter = (await gpu.requestAdapter()) as {
    info?: { vendor: string; architecture: string; device: string; description: string };
    isFallbackAdapter?: boolean;
  } | null;
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const info = adapter.info ?? { vendor: '', architecture: '', device: '', description: '' };
  const software =
    /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.architecture} ${info.description}`) ||
    !!adapter.isFallbackAdapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software,
  };
}

/** Imports (once) the package that registers the backend with tfjs-core. */
async function load(name: TfjsBackend): Promise<LoadedBackend> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return {};
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (IN_NODE) wasm.setWasmPaths(await wasmDistDir());
      return {};
    }
    case 'webgpu': {
      // navigator.gpu must exist before the backend module is evaluated: it registers only then.
      const gpu = IN_NODE ? await ensureNodeWebGPU() : await browserGpuInfo();
      await import('@tensorflow/tfjs-backend-webgpu');
      return { gpu };
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return {};
    case 'tensorflow': {
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
          return { nativePackage: pkg };
        } catch (e) {
          failures.push(`${pkg} is installed but failed to load: ${describeError(e)}`);
        }
      }
      throw new Error(failures.length ? failures.join('; ') : TENSORFLOW_MISSING);
    }
  }
}

function unavailable(name: string, cause: string, error?: unknown): ResblocksError {
  return new ResblocksError(
    'BACKEND_UNAVAILABLE',
    `tfjs:${name} is unavailable: ${cause}`,
    { backend: `tfjs:${name}`, cause },
    error === undefined ? undefined : { cause: error },
  );
}

/**
 * Makes `name` the active tfjs backend (importing it the first time) or throws
 * BACKEND_UNAVAILABLE. Never falls back: tfjs would quietly keep another backend if
 * setBackend failed, so the active name is checked afterwards. Call inside exclusive().
 */
export async function activate(name: TfjsBackend): Promise<LoadedBackend> {
  const reason = staticUnavailability(name);
  if (reason) throw unavailable(name, reason);
  let pending = loads.get(name);
  if (!pending) {
    pending = load(name);
    loads.set(name, pending);
    // A failed import may succeed later (e.g. after installing the peer); do not cache failures.
    pending.catch(() => loads.delete(name));
  }
  let loaded: LoadedBackend;
  try {
    loaded = await pending;
  } catch (e) {
    if (e instanceof ResblocksError) throw unavailable(name, e.message, e);
    throw unavailable(name, describeError(e), e);
  }
  const previous = activeBackend();
  if (previous !== name || !tf.findBackend(name)) {
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
      const cause = error
        ? describeError(error)
        : `tf.setBackend('${name}') ${ok ? `left '${active}' active` : 'failed to initialise the backend (see the warning tfjs logged)'}`;
      throw unavailable(name, cause, error);
    }
    // The cpu backend prints an advert for tfjs-node on first use in Node; the probe of the
    // `tensorflow` backend already says how to install it, so silence the banner.
    if (name === 'cpu') {
      const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
      if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
    }
  }
  return loaded;
}

/** The active backend name, without making tfjs pick one when none is set yet. */
export function activeBackend(): string | undefined {
  return (tf.engine() as unknown as { backendName?: string | null }).backendName ?? undefined;
}

/** Switches back to what was active before (when it differs); errors here are not the caller's. */
export async function restore(previous: string | undefined): Promise<void> {
  if (previous && (activeBackend() !== previous || !tf.findBackend(previous))) {
    try {
      await tf.setBackend(previous);
    } catch {
      /* the previous backend is someone else's; leaving ours active is harmless */
    }
  }
}

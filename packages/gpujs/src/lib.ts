/**
 * The slice of gpu.js this package uses, typed locally (its bundled typings predate the webgpu
 * and webasm modes). gpu.js is loaded lazily so that, in Node, `navigator.gpu` is installed
 * before gpu.js first looks at it.
 */
export interface KernelSettings {
  output: number[];
  constants?: Record<string, unknown>;
  pipeline?: boolean;
  immutable?: boolean;
  precision?: 'single' | 'unsigned';
  tactic?: 'speed' | 'balanced' | 'precision';
  loopMaxIterations?: number;
  asyncMode?: boolean;
}

/** The object gpu.js swaps in behind a kernel shortcut (replaced on fallback). */
export interface KernelInstance {
  constructor: { mode?: string };
  fallbackReason?: string | null;
  // WebGPU kernel state, read only to count live GPU buffers.
  paramsBuffer?: unknown;
  outputBuffer?: unknown;
  constantBuffers?: unknown[] | null;
  stagingPool?: unknown[];
  paramsLayout?: { arrayArgs: { buffer: unknown }[] } | null;
  context?: { adapter?: { info?: Record<string, unknown> } } | null;
}

export interface KernelShortcut {
  (...args: unknown[]): unknown;
  kernel: KernelInstance;
  destroy(removeCanvasReferences?: boolean): unknown;
}

export interface GpuInstance {
  readonly mode: string;
  readonly Kernel: { mode: string } | null;
  createKernel(source: string, settings: KernelSettings): KernelShortcut;
  destroy(): Promise<void>;
}

export interface GpuJs {
  GPU: {
    new (settings: { mode: string }): GpuInstance;
    isWebGPUSupported?: boolean;
    isWebGPUAvailable?: () => Promise<boolean>;
    isWebAssemblySupported?: boolean;
    isWebGL2Supported?: boolean;
  };
  input(value: Float32Array, size: number[]): unknown;
  WebGPUKernel?: unknown;
  WebGL2Kernel?: unknown;
  WebAssemblyKernel?: unknown;
  CPUKernel?: unknown;
}

/** A GPU-resident pipeline result on webgpu (gpu.js WebGPUBufferResult). */
export interface BufferHandle {
  readonly type: 'WebGPUBuffer';
  toArray(): Promise<unknown>;
  delete(): void;
}

export function isBufferHandle(v: unknown): v is BufferHandle {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'WebGPUBuffer';
}

let loaded: Promise<GpuJs> | undefined;

export function loadGpuJs(): Promise<GpuJs> {
  loaded ??= import('gpu.js').then((m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as GpuJs;
    return mod;
  });
  return loaded;
}

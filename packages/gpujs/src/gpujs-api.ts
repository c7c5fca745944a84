/**
 * The slice of gpu.js this package uses, typed locally (its bundled typings predate the webgpu
 * and webasm modes). gpu.js is loaded lazily so that, in Node, `navigator.gpu` is installed
 * before gpu.js first looks at it.
 */
export interface KernelSettings {
  output: number[];
  constants?: Record<string, unknown>;
  pipeline?: boolean;
  precision?: 'single' | 'unsigned';
  tactic?: 'speed' | 'balanced' | 'precision';
  loopMaxIterations?: number;
}

/** The WebGPU device gpu.js shares between all its webgpu kernels. */
export interface WebGPUContext {
  readonly device: { readonly queue: object; destroy(): void };
  /** Set by gpu.js when `device.lost` resolves. */
  readonly isLost: boolean;
}

/** The object gpu.js swaps in behind a kernel shortcut (replaced on fallback). */
export interface KernelInstance {
  constructor: { mode?: string; name?: string };
  fallbackReason?: string | null;
  // WebGPU kernel state, read only to count live GPU buffers.
  paramsBuffer?: unknown;
  outputBuffer?: unknown;
  constantBuffers?: unknown[] | null;
  stagingPool?: unknown[];
  paramsLayout?: { arrayArgs: { buffer: unknown }[] } | null;
  // webasm: how a result buffer is shaped into nested row views.
  _shapeOutput?: (data: Float32Array) => unknown;
}

export interface KernelShortcut {
  (...args: unknown[]): unknown;
  kernel: KernelInstance;
  destroy(removeCanvasReferences?: boolean): unknown;
}

export interface GpuInstance {
  readonly mode: string;
  /** Every kernel the instance built; gpu.js's CPU kernels stay listed after destroy(). */
  readonly kernels?: unknown[];
  readonly Kernel: { mode: string; name?: string } | null;
  createKernel(source: string, settings: KernelSettings): KernelShortcut;
  destroy(): Promise<void>;
}

/** A GPU-resident pipeline result on webgpu (gpu.js WebGPUBufferResult). */
export interface BufferHandle {
  readonly type: 'WebGPUBuffer';
  readonly buffer: unknown;
  readonly output: number[];
  readonly componentCount: number;
  readonly context: WebGPUContext;
  readonly kernel: unknown;
  toArray(): Promise<unknown>;
  delete(): void;
}

export interface GpuJs {
  GPU: {
    new (settings: { mode: string }): GpuInstance;
    isWebGPUAvailable?: () => Promise<boolean>;
    isWebAssemblySupported?: boolean;
    isWebGL2Supported?: boolean;
  };
  input(value: Float32Array, size: number[]): unknown;
  /** gpu.js's one shared WebGPU device (acquired once, re-acquired after a loss). */
  WebGPUContext: { acquire(): Promise<WebGPUContext> };
  WebGPUBufferResult: new (settings: Omit<BufferHandle, 'type' | 'toArray' | 'delete'>) => BufferHandle;
  WebGPUKernel?: unknown;
  WebGL2Kernel?: unknown;
  WebAssemblyKernel?: unknown;
  CPUKernel?: unknown;
}

export function isBufferHandle(v: unknown): v is BufferHandle {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'WebGPUBuffer';
}

let loaded: Promise<GpuJs> | undefined;

export function loadGpuJs(): Promise<GpuJs> {
  loaded ??= import('gpu.js').then((m) => ((m as { default?: unknown }).default ?? m) as GpuJs);
  return loaded;
}

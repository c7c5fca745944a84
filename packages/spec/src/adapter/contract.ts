import type { Graph, OpType } from '../ir/ir.js';
import type { Dtype } from '../reference/tolerance.js';
import type { Tensor } from '../tensor.js';
import type { Weights } from '../weights/weights.js';

/**
 * The contract every adapter implements. Backends are written `adapter:backend` everywhere
 * (`tfjs:wasm`, `onnx-web:webgpu`, `gpujs:webgpu`, `reference:float64`).
 */
export type BackendId = `${string}:${string}`;

/** What a backend runs on, used to rank backends when choosing one for a platform. */
export type BackendApi = 'webgpu' | 'webgl' | 'native' | 'wasm' | 'cpu';

export interface BackendDescriptor {
  /** Backend name within its adapter, e.g. `webgpu`. */
  readonly name: string;
  readonly api: BackendApi;
  /** Which environments it can run in at all. */
  readonly environments: readonly ('node' | 'browser')[];
  readonly description: string;
}

export interface Availability {
  readonly available: boolean;
  /** Why it cannot run here (and how to fix it), when unavailable. */
  readonly reason?: string;
  /**
   * For GPU APIs: whether the device is real hardware or a software rasteriser (SwiftShader,
   * llvmpipe). A software GPU is correct but slow, so the chooser ranks it below wasm.
   */
  readonly device?: 'gpu' | 'software' | 'cpu';
  /** What the probe found (adapter vendor/architecture, thread count, versions...). */
  readonly info?: Readonly<Record<string, unknown>>;
}

/**
 * Optional behaviours the conformance suite checks. `true` means supported; a string means not
 * supported and says why (the suite skips those cases and shows the reason in its report).
 */
export interface Capabilities {
  /** Same input twice gives bit-identical output. */
  readonly determinism: true | string;
  /** Many overlapping run() calls give correct results. */
  readonly concurrency: true | string;
  /** NaN/Inf in the input propagate like PyTorch instead of crashing. */
  readonly nonFinite: true | string;
  /** resources() reports the backend's own live counters. */
  readonly resourceCounters: true | string;
  /** Whole networks (stem + four stages) at small resolution. */
  readonly networks: true | string;
  /** GPU tensors in and out (CompiledModel.gpu). */
  readonly gpuTensors: true | string;
}

/**
 * Which values a traced run returns besides the output: `true` for every node, or node names
 * (IR names or torchvision module names, e.g. `layer3.0.bn2`, `layer3.0`).
 */
export type TraceSelection = boolean | readonly string[];

export interface CompileOptions {
  readonly backend: string;
  /** Fold BN into the preceding convolutions (default true where the adapter supports it). */
  readonly foldBatchNorm?: boolean;
  /**
   * The values runs may return (default none). The engine keeps each of them (no fusion past it,
   * an ONNX graph output), so only a traced model pays for them; an untraced one runs as before.
   */
  readonly trace?: TraceSelection;
}

/**
 * What GPU tensors need of a WebGPU GPUBuffer (the spec does not depend on WebGPU's types; a
 * GPUBuffer is one).
 */
export interface GpuBufferLike {
  readonly size: number;
  /** GPUBufferUsage bits: an input needs STORAGE (0x80). */
  readonly usage: number;
  destroy(): void;
}

/**
 * A float32 NCHW tensor ([N, features] for a 2-D output) held in a GPU buffer of the model's own
 * device (`model.gpu.device`), contiguous from byte 0: run() takes one as input, and returns one
 * with `model.gpu.run(x, { output: 'gpu' })`, so frames from a GPU pipeline and the logits for the next GPU step
 * never pass through CPU memory. A returned buffer is the caller's to destroy.
 */
export interface GpuTensor {
  readonly shape: readonly number[];
  readonly buffer: GpuBufferLike;
}

/** What run() resolves with when the output stays on the GPU. */
export interface GpuRunOutput extends GpuTensor {
  readonly trace?: Trace;
}

/** GPUBufferUsage.STORAGE: a buffer a compute shader can read. */
export const GPU_BUFFER_STORAGE = 0x80;

export function isGpuTensor(x: unknown): x is GpuTensor {
  // A typed array has a `buffer` too, but no shape.
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as { shape?: unknown }).shape) &&
    'buffer' in x &&
    !('data' in x)
  );
}

/** run() with GPU tensors (CompiledModel.gpu). */
export interface GpuRuns {
  /** The WebGPU GPUDevice whose buffers these runs take and return. */
  readonly device: unknown;
  /**
   * run() on a GpuTensor input or a Tensor, returning the output on the device with
   * `{ output: 'gpu' }` (else a Float32Array, as run()). INPUT_DEVICE for a buffer the device
   * cannot use (another device's, no STORAGE usage).
   */
  run(input: Tensor | GpuTensor, options: GpuRunOptions & { readonly output: 'gpu' }): Promise<GpuRunOutput>;
  run(input: Tensor | GpuTensor, options?: GpuRunOptions): Promise<RunOutput>;
}

export interface RunOptions {
  /**
   * Abandons the run: the promise rejects with ABORTED as soon as the signal fires, the engine stops
   * at its next step where it can, and the model stays usable.
   */
  readonly signal?: AbortSignal;
  /**
   * The traced values this run returns: some of those compiled with `trace`, all of them (`true`,
   * the default on a traced model) or none (`false`). Rejects with UNKNOWN_NODE for a value the
   * model was not compiled to trace.
   */
  readonly trace?: TraceSelection;
}

export interface GpuRunOptions extends RunOptions {
  /** Where the output goes: 'cpu' (default, a Float32Array) or 'gpu' (a GpuTensor on the device). */
  readonly output?: 'cpu' | 'gpu';
}

/** One value of a traced run, in NCHW (or [N, features]) float32. */
export interface TracedValue extends Tensor {
  /** The node of the graph the engine ran (a folded convolution carries its BN's name). */
  readonly node: string;
  /** The torchvision module name (see moduleNames): `layer3.0.bn2`, `layer3.0`, `fc`. */
  readonly module: string;
  readonly op: OpType;
  /** For a convolution with its BN folded in: the convolution's own name. */
  readonly folded?: string;
}

/** The traced values of one run, in execution order. */
export type Trace = readonly TracedValue[];

/** What run() resolves with: the output, and the traced values when the run traced. */
export interface RunOutput extends Tensor {
  readonly trace?: Trace;
}

export interface CompiledModel {
  readonly backend: BackendId;
  readonly graph: Graph;
  /**
   * NCHW float32 in, float32 out. Rejects with INPUT_SHAPE / INPUT_DTYPE / DISPOSED / ABORTED,
   * BACKEND_FAILED when the engine fails, DEVICE_LOST when the GPU device is gone.
   */
  run(input: Tensor, options?: RunOptions): Promise<RunOutput>;
  /** GPU tensors in and out, on backends that have them (webgpu:f32, webgpu:f16); undefined elsewhere. */
  readonly gpu?: GpuRuns;
  /** Releases everything compile() created. run() afterwards rejects with DISPOSED. */
  dispose(): Promise<void>;
  /** What really executed (backend name reported by the engine, GPU adapter info, threads...). */
  info(): Readonly<Record<string, unknown>>;
}

/** Live counters of the engine's own resources (tensors, GPU buffers, kernels, sessions...). */
export type ResourceCounters = Readonly<Record<string, number>>;

export interface Adapter {
  readonly id: string;
  readonly backends: readonly BackendDescriptor[];
  /** Never throws: an unavailable backend resolves with a reason. */
  probe(backend: string): Promise<Availability>;
  capabilities(backend: string): Capabilities;
  /** The dtype results are computed in, which sets the tolerance budget. */
  dtype(backend: string): Dtype;
  /** Validates the weights against the graph (typed errors) and builds a runnable model. */
  compile(graph: Graph, weights: Weights, options: CompileOptions): Promise<CompiledModel>;
  resources(backend: string): Promise<ResourceCounters>;
}

export function backendId(adapter: string, backend: string): BackendId {
  return `${adapter}:${backend}`;
}

export function parseBackendId(id: string): { adapter: string; backend: string } | undefined {
  const m = /^([a-z0-9-]+):([a-z0-9-]+)$/.exec(id);
  return m ? { adapter: m[1]!, backend: m[2]! } : undefined;
}

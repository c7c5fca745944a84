import { formatShape, ResblocksError } from '../errors.js';
import { foldBatchNorm } from '../ir/fold.js';
import type { Graph } from '../ir/ir.js';
import { inferShapes, type Shape } from '../ir/shapes.js';
import { currentEnvironment, describeError, type Environment } from '../platform/environment.js';
import { SerialQueue } from '../platform/serial-queue.js';
import type { Dtype } from '../reference/tolerance.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { validateWeights, type Weights } from '../weights/weights.js';
import {
  type Adapter,
  type Availability,
  type BackendDescriptor,
  type BackendId,
  backendId,
  type Capabilities,
  type CompiledModel,
  type CompileOptions,
  type GpuRunOptions,
  type GpuRunOutput,
  type GpuRuns,
  type GpuTensor,
  isGpuTensor,
  type RunOptions,
  type RunOutput,
} from './contract.js';
import { checkGpuInput, checkRunInput, disposedError } from './run-input.js';
import { type TracedEngineOutput, TraceNames } from './trace.js';

/** What a probe reports about an opened engine. */
export interface ProbeFacts {
  readonly device?: Availability['device'];
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface BuildOptions {
  /** Whether the kit folded BN into the convolutions of the graph handed to build(). */
  readonly foldBatchNorm: boolean;
  /** The graph as the user compiled it (before folding). */
  readonly original: Graph;
  /** Everything passed to compile(), adapter-specific options included. */
  readonly compile: CompileOptions;
  /**
   * Nodes of the built graph that runs may trace (empty unless compiled with `trace`): the engine
   * must keep each one's value, not fuse it away, and return it when a run asks.
   */
  readonly trace: ReadonlySet<string>;
}

export interface RunContext {
  /** Inferred shapes of every value of the built graph for this input. */
  readonly shapes: ReadonlyMap<string, Shape>;
  /** Check between steps where the engine can stop early; the kit rejects the run either way. */
  readonly signal?: AbortSignal;
  /**
   * Set on a traced run: the nodes (of BuildOptions.trace, in execution order) whose values this
   * run returns, NCHW, as a TracedEngineOutput. The kit checks their shapes and names them.
   */
  readonly trace?: readonly string[];
  /** 'gpu' (only in EngineModel.gpu.run): return the output as a GpuTensor on that device. */
  readonly output?: 'cpu' | 'gpu';
}

/** A model as the engine built it; the kit wraps it into a CompiledModel. */
export interface EngineModel {
  /**
   * Input already checked. Returns the output data (the kit checks its size) or a whole tensor;
   * on a traced run (ctx.trace), the output with the traced values.
   */
  run(input: Tensor, ctx: RunContext): Promise<Float32Array | Tensor | TracedEngineOutput>;
  release(): Promise<void>;
  /**
   * GPU tensors (a WebGPU engine): the GPUDevice their buffers belong to, and the run the kit calls
   * when the input is a GpuTensor or ctx.output is 'gpu' (the kit has checked the tensor's shape,
   * usage and size; the engine checks the device).
   */
  readonly gpu?: {
    readonly device: unknown;
    run(
      input: Tensor | GpuTensor,
      ctx: RunContext,
    ): Promise<Float32Array | Tensor | GpuTensor | TracedEngineOutput>;
  };
  /** Must include `backend`: what the engine really ran on (the identity check reads it). */
  info(): Record<string, unknown>;
}

/** One backend of an engine: only what differs from engine to engine. */
export interface EngineBackend<D = unknown> extends BackendDescriptor {
  readonly capabilities: Capabilities;
  /** Why this backend cannot run in an environment it does not list (default: a generic line). */
  readonly environmentNote?: string;
  /** The dtype results are computed in (default float32); `device` once the backend was opened. */
  dtype?(device: D | undefined): Dtype;
  /**
   * Imports and initialises the engine for this backend, or throws an Error saying why it cannot run
   * here. Kept once it succeeds; a failure is retried by the next probe or compile.
   */
  open(): Promise<D>;
  /** Probe facts for the opened engine (default: a CPU device). */
  describe?(device: D): ProbeFacts | Promise<ProbeFacts>;
  /** Builds a model from validated weights and the graph (BN already folded unless asked not to). */
  build(device: D, graph: Graph, weights: Weights, options: BuildOptions): Promise<EngineModel>;
}

export interface AdapterDefinition {
  // biome-ignore lint/suspicious/noExplicitAny: each backend has its own device type
  readonly backends: readonly EngineBackend<any>[];
  /**
   * Which work never overlaps: 'adapter' (one queue for probe, compile, run and release: an engine
   * with one global state, like tfjs's active backend), 'model' (runs of one model queue; default),
   * or 'none' (the engine takes overlapping runs).
   */
  readonly serialize?: 'adapter' | 'model' | 'none';
  /** The engine's own live counters (tensors, sessions, kernels, buffers); the kit adds `models`. */
  counters?(backend: string): Record<string, number> | Promise<Record<string, number>>;
  /** Whether compile() folds BN when the caller does not say (default true). */
  readonly foldBatchNormByDefault?: boolean;
  /** Checks adapter-specific compile options, throwing typed errors. */
  validateOptions?(options: CompileOptions): void;
}

/** Engine failures that are not already typed become BACKEND_FAILED, naming the backend and the step. */
function engineFailure(id: BackendId, step: string, e: unknown): ResblocksError {
  if (e instanceof ResblocksError) return e;
  return new ResblocksError(
    'BACKEND_FAILED',
    `${id} failed while ${step}: ${describeError(e)}`,
    { backend: id },
    { cause: e },
  );
}

export function abortedError(id: BackendId, signal: AbortSignal): ResblocksError {
  const why = signal.reason === undefined ? '' : `: ${describeError(signal.reason)}`;
  return new ResblocksError('ABORTED', `${id}: run() was aborted${why}`, { backend: id });
}

/** Rejects as soon as `signal` fires; `work` still settles on its own (its result is dropped). */
function raceAbort<T>(id: BackendId, work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(id, signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Builds an Adapter from engine backends. The kit owns everything engines have in common: backend
 * name checks, probes that never throw, environment checks, weight validation, BN folding, input
 * checks, the disposed guard, serialization, live counts, output checks, typed engine errors,
 * cancellation, recovery from a lost device, and traced runs (names resolved and checked, values
 * checked against the graph's shapes and named after torchvision's modules).
 */
export function defineAdapter(id: string, definition: AdapterDefinition): Adapter {
  const engines = new Map(definition.backends.map((b) => [b.name, b]));
  const names = definition.backends.map((b) => b.name).join(', ');
  const descriptors: BackendDescriptor[] = definition.backends.map(
    ({ name, api, environments, description }) => ({ name, api, environments, description }),
  );
  const opened = new Map<string, Promise<unknown>>();
  const devices = new Map<string, unknown>();
  const live = new Map<string, number>();
  const adapterQueue = definition.serialize === 'adapter' ? new SerialQueue() : undefined;
  const exclusive = <T>(work: () => Promise<T>): Promise<T> =>
    adapterQueue ? adapterQueue.push(work) : work();

  const unknown = (backend: string) => `${id} has no backend '${backend}'; its backends are ${names}`;

  function known(backend: string): EngineBackend {
    const engine = engines.get(backend);
    if (!engine) throw new ResblocksError('UNKNOWN_BACKEND', unknown(backend), { backend });
    return engine;
  }

  /** Why the backend cannot run in this environment, or undefined. */
  function wrongEnvironment(engine: EngineBackend): string | undefined {
    const here: Environment = currentEnvironment();
    if (engine.environments.includes(here)) return undefined;
    return (
      engine.environmentNote ??
      `${backendId(id, engine.name)} runs only in ${engine.environments.join(' and ')}, not in ${here === 'node' ? 'Node' : 'a browser'}`
    );
  }

  /** The engine opened once; a failure is forgotten so the next call tries again. */
  function open(engine: EngineBackend): Promise<unknown> {
    let p = opened.get(engine.name);
    if (!p) {
      p = engine.open().then((device) => {
        devices.set(engine.name, device);
        return device;
      });
      opened.set(engine.name, p);
      p.catch(() => {
        if (opened.get(engine.name) === p) opened.delete(engine.name);
      });
    }
    return p;
  }

  /** After a lost device the next compile opens the engine afresh. */
  function forget(engine: EngineBackend): void {
    opened.delete(engine.name);
    devices.delete(engine.name);
  }

  async function probe(backend: string): Promise<Availability> {
    const engine = engines.get(backend);
    if (!engine) return { available: false, reason: unknown(backend) };
    const env = wrongEnvironment(engine);
    if (env) return { available: false, reason: env };
    try {
      return await exclusive(async () => {
        const device = await open(engine);
        const facts = (await engine.describe?.(device)) ?? {};
        return {
          available: true,
          device: facts.device ?? 'cpu',
          ...(facts.info ? { info: facts.info } : {}),
        };
      });
    } catch (e) {
      return { available: false, reason: describeError(e) };
    }
  }

  async function compile(graph: Graph, weights: Weights, options: CompileOptions): Promise<CompiledModel> {
    const engine = known(options.backend);
    const bid = backendId(id, engine.name);
    definition.validateOptions?.(options);
    const valid = validateWeights(graph, weights);
    const fold = options.foldBatchNorm ?? definition.foldBatchNormByDefault ?? true;
    const built = fold ? foldBatchNorm(graph, valid) : { graph, weights: valid };
    const env = wrongEnvironment(engine);
    if (env) {
      throw new ResblocksError('BACKEND_UNAVAILABLE', `${bid} is unavailable: ${env}`, { backend: bid });
    }
    // Names are resolved on the graph as compiled; the built graph has no folded convolutions.
    const names = options.trace ? new TraceNames(graph, built.graph) : undefined;
    const traced = names
      ? names.resolve(
          options.trace,
          built.graph.nodes.map((n) => n.name),
          bid,
          '',
        )
      : [];
    const model = await exclusive(async () => {
      let device: unknown;
      try {
        device = await open(engine);
      } catch (e) {
        const cause = describeError(e);
        const message = cause.startsWith(`${bid} is unavailable`) ? cause : `${bid} is unavailable: ${cause}`;
        throw new ResblocksError('BACKEND_UNAVAILABLE', message, { backend: bid, cause }, { cause: e });
      }
      try {
        return await engine.build(device, built.graph, built.weights, {
          foldBatchNorm: fold,
          original: graph,
          compile: options,
          trace: new Set(traced),
        });
      } catch (e) {
        throw engineFailure(bid, 'compiling', e);
      }
    });
    live.set(engine.name, (live.get(engine.name) ?? 0) + 1);
    return wrapModel(engine, bid, graph, built.graph, model, fold, traced, names);
  }

  function wrapModel(
    engine: EngineBackend,
    bid: BackendId,
    graph: Graph,
    builtGraph: Graph,
    model: EngineModel,
    fold: boolean,
    traced: readonly string[],
    names: TraceNames | undefined,
  ): CompiledModel {
    const modelQueue =
      definition.serialize === 'model' || !definition.serialize ? new SerialQueue() : undefined;
    const serial = <T>(work: () => Promise<T>): Promise<T> =>
      adapterQueue ? adapterQueue.push(work) : modelQueue ? modelQueue.push(work) : work();
    let disposed = false;

    /** The nodes a run traces: what compile made traceable, or the run's own selection of it. */
    function runTrace(selection: RunOptions['trace']): readonly string[] {
      if (selection === undefined) return traced;
      if (selection && !traced.length) {
        throw new ResblocksError(
          'UNKNOWN_NODE',
          `${bid}: this model was compiled without trace; compile with { trace: true } (or the names to trace) to trace its runs`,
          { backend: bid },
        );
      }
      return names
        ? names.resolve(selection, traced, bid, "not traced by this model: name it in compile's trace")
        : [];
    }

    async function execute(
      input: Tensor | GpuTensor,
      options: GpuRunOptions,
      viaGpuRuns: boolean,
    ): Promise<RunOutput | GpuRunOutput> {
      const signal = options.signal;
      if (disposed) throw disposedError(bid);
      const wanted = runTrace(options.trace);
      const outputOn = options.output ?? 'cpu';
      const gpuIn = isGpuTensor(input);
      if (!viaGpuRuns && (gpuIn || (options.output !== undefined && options.output !== 'cpu'))) {
        throw new ResblocksError(
          model.gpu ? 'INVALID_CONTRACT' : 'BACKEND_UNAVAILABLE',
          model.gpu
            ? `${bid}: run() takes and returns CPU tensors; model.gpu.run() takes a GpuTensor and keeps the output on the GPU with { output: 'gpu' }`
            : `${bid} has no GPU tensors (model.gpu is undefined): pass { shape, data }, or use a backend with GPU tensors (webgpu:f32, webgpu:f16)`,
          { backend: bid },
        );
      }
      if (outputOn !== 'cpu' && outputOn !== 'gpu') {
        throw new ResblocksError(
          'INVALID_CONTRACT',
          `output must be 'cpu' or 'gpu'; got ${String(outputOn)}`,
          {
            backend: bid,
          },
        );
      }
      const viaGpu = gpuIn || outputOn === 'gpu';
      if (outputOn === 'gpu' && wanted.length) {
        throw new ResblocksError(
          'INVALID_CONTRACT',
          `${bid}: a traced run returns its values on the CPU; trace with output 'cpu' (or trace: false)`,
          { backend: bid },
        );
      }
      const checked = gpuIn ? checkGpuInput(graph, input, bid) : checkRunInput(graph, input);
      const shapes = builtGraph === graph ? checked : inferShapes(builtGraph, input.shape);
      const expected = checked.get(graph.output)!;
      if (signal?.aborted) throw abortedError(bid, signal);
      const work = serial(async () => {
        // dispose() or the signal may have come while this run waited in the queue.
        if (disposed) throw disposedError(bid);
        if (signal?.aborted) throw abortedError(bid, signal);
        let result: Float32Array | Tensor | GpuTensor | TracedEngineOutput;
        try {
          const ctx = {
            shapes,
            ...(signal ? { signal } : {}),
            ...(wanted.length ? { trace: wanted } : {}),
          };
          result = viaGpu
            ? await model.gpu!.run(input, { ...ctx, output: outputOn })
            : await model.run(input as Tensor, ctx);
        } catch (e) {
          if (e instanceof ResblocksError && e.code === 'DEVICE_LOST') forget(engine);
          throw engineFailure(bid, 'running', e);
        }
        if (outputOn === 'gpu') return gpuOutput(result, expected);
        const out = result instanceof Float32Array || !('values' in result) ? result : result.output;
        if (isGpuTensor(out)) {
          out.buffer.destroy();
          throw new ResblocksError('BACKEND_FAILED', `${bid} returned a GPU tensor for a CPU output`, {
            backend: bid,
          });
        }
        const data = out instanceof Float32Array ? out : out.data;
        const shape = out instanceof Float32Array ? expected : out.shape;
        if (!sameShape(shape, expected) || data.length !== sizeOf(expected)) {
          throw new ResblocksError(
            'BACKEND_FAILED',
            `${bid} produced ${data.length} values of shape ${formatShape(shape)} where the graph gives ${formatShape(expected)}`,
            { backend: bid, shape: [...shape], expected: [...expected] },
          );
        }
        const output = { shape: [...expected], data };
        if (!wanted.length) return output;
        const values = out === result ? { output: out, values: new Map() } : (result as TracedEngineOutput);
        return { ...output, trace: names!.collect(wanted, values, output, shapes, bid) };
      });
      return raceAbort(bid, work, signal);
    }

    /** The engine's GPU output, checked like a CPU one: the graph's shape, a buffer that holds it. */
    function gpuOutput(result: unknown, expected: readonly number[]): GpuRunOutput {
      if (!isGpuTensor(result)) {
        throw new ResblocksError('BACKEND_FAILED', `${bid} returned no GPU tensor for output: 'gpu'`, {
          backend: bid,
        });
      }
      if (!sameShape(result.shape, expected) || result.buffer.size < sizeOf(expected) * 4) {
        result.buffer.destroy();
        throw new ResblocksError(
          'BACKEND_FAILED',
          `${bid} produced a ${result.buffer.size}-byte GPU tensor of shape ${formatShape(result.shape)} where the graph gives ${formatShape(expected)}`,
          { backend: bid, shape: [...result.shape], expected: [...expected] },
        );
      }
      return { shape: [...expected], buffer: result.buffer };
    }

    return {
      backend: bid,
      graph,
      run: (input, options = {}) => execute(input, options, false) as Promise<RunOutput>,
      ...(model.gpu
        ? {
            gpu: {
              device: model.gpu.device,
              run: ((input: Tensor | GpuTensor, options: GpuRunOptions = {}) =>
                execute(input, options, true)) as GpuRuns['run'],
            },
          }
        : {}),
      async dispose() {
        if (disposed) return;
        disposed = true;
        // Queued behind in-flight runs, so their weights stay until they finish.
        await serial(() => model.release());
        live.set(engine.name, (live.get(engine.name) ?? 1) - 1);
      },
      info: () => ({ ...model.info(), foldBatchNorm: fold }),
    };
  }

  return {
    id,
    backends: descriptors,
    probe,
    capabilities: (backend) => known(backend).capabilities,
    dtype: (backend) => {
      const engine = known(backend);
      return engine.dtype?.(devices.get(backend)) ?? 'float32';
    },
    compile,
    async resources(backend) {
      known(backend);
      const engine = (await definition.counters?.(backend)) ?? {};
      return { ...engine, models: live.get(backend) ?? 0 };
    },
  };
}

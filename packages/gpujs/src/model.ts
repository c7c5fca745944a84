import {
  type BackendId,
  backendId,
  type CompiledModel,
  checkRunInput,
  disposedError,
  foldBatchNorm,
  type Graph,
  inferShapes,
  ResblocksError,
  type Tensor,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import { descriptor, type GpujsMode, isNode, probeBackend, webgpuAdapterInfo } from './backends.js';
import { counters } from './counters.js';
import { type Engine, Executor, type RunCounts } from './executor.js';
import { type GpuInstance, type GpuJs, loadGpuJs } from './gpujs-api.js';
import { blockedKernels } from './kernels-blocked.js';
import { nchwKernels } from './kernels-nchw.js';
import { buildPlan, type Plan } from './plan.js';
import { asReturned, flatArrays, gpuBuffers } from './value-passing.js';

/** Input shapes whose kernels stay built; the oldest is destroyed when a new shape arrives. */
const SHAPE_CACHE = 3;

function unavailable(id: BackendId, why: string, cause?: unknown): ResblocksError {
  return new ResblocksError(
    'BACKEND_UNAVAILABLE',
    `${id} is unavailable: ${why}`,
    { backend: id },
    { cause },
  );
}

/** Creates the gpu.js instance for `mode`, refusing any other mode gpu.js might pick. */
async function openGpu(
  mode: GpujsMode,
  id: BackendId,
): Promise<{ lib: GpuJs; gpu: GpuInstance; adapter?: Record<string, unknown> }> {
  let adapter: Record<string, unknown> | undefined;
  if (mode === 'webgpu') {
    const a = await webgpuAdapterInfo();
    if (!a.ok) throw unavailable(id, a.reason);
    adapter = a.info;
  } else if (mode === 'webgl2' || mode === 'webasm') {
    const p = await probeBackend(mode);
    if (!p.available) throw unavailable(id, p.reason ?? 'probe failed');
  }
  const lib = await loadGpuJs();
  if (mode === 'webgpu' && !(await lib.GPU.isWebGPUAvailable?.())) {
    throw unavailable(id, 'gpu.js found no WebGPU adapter');
  }
  let gpu: GpuInstance;
  try {
    gpu = new lib.GPU({ mode });
  } catch (e) {
    throw unavailable(id, `gpu.js refused mode '${mode}': ${(e as Error).message}`, e);
  }
  // Compare kernel classes, not `Kernel.mode`: WebGL2Kernel inherits WebGLKernel's mode 'gpu'.
  const expected = {
    webgpu: lib.WebGPUKernel,
    webgl2: lib.WebGL2Kernel,
    webasm: lib.WebAssemblyKernel,
    cpu: lib.CPUKernel,
  }[mode];
  if (!expected || gpu.Kernel !== expected) {
    const chosen = (gpu.Kernel as { name?: string } | undefined)?.name ?? String(gpu.Kernel?.mode);
    await gpu.destroy();
    throw unavailable(id, `gpu.js picked ${chosen} instead of mode '${mode}'`);
  }
  return adapter ? { lib, gpu, adapter } : { lib, gpu };
}

export async function compileModel(
  graph: Graph,
  weights: Weights,
  options: { backend: string; foldBatchNorm?: boolean },
): Promise<CompiledModel> {
  const mode = descriptor(options.backend).name;
  const id = backendId('gpujs', mode);
  if (mode === 'webgl2' && isNode()) {
    const p = await probeBackend(mode);
    throw unavailable(id, p.reason ?? 'no WebGL2 in Node');
  }
  const valid = validateWeights(graph, weights);
  const fold = options.foldBatchNorm ?? true;
  const folded = fold ? foldBatchNorm(graph, valid) : { graph, weights: valid };
  const plan: Plan = buildPlan(folded.graph, folded.weights);
  const { lib, gpu, adapter } = await openGpu(mode, id);
  counters.gpuCreated(mode);
  counters.modelCreated(mode);

  // webasm and webgpu run the channel-blocked kernels their code generators compile well; the GL
  // and plain-JS modes keep the NCHW ones.
  const engine: Engine =
    mode === 'webasm'
      ? { lib, gpu, mode, id, family: blockedKernels, passing: flatArrays }
      : mode === 'webgpu'
        ? { lib, gpu, mode, id, family: blockedKernels, passing: gpuBuffers(lib) }
        : { lib, gpu, mode, id, family: nchwKernels, passing: asReturned };
  const cache = new Map<string, Executor>();
  let tail: Promise<unknown> = Promise.resolve();
  let disposed = false;
  let runs = 0;
  let lastRun: RunCounts | undefined;

  const executableFor = (shape: readonly number[]): Executor => {
    const key = shape.join('x');
    let exe = cache.get(key);
    if (exe) {
      // Most recently used last.
      cache.delete(key);
      cache.set(key, exe);
      return exe;
    }
    const shapes = inferShapes(folded.graph, shape);
    exe = new Executor(engine, plan, folded.graph, shapes);
    cache.set(key, exe);
    while (cache.size > SHAPE_CACHE) {
      const [oldKey, old] = cache.entries().next().value as [string, Executor];
      cache.delete(oldKey);
      old.destroy();
    }
    return exe;
  };

  const model: CompiledModel = {
    backend: id,
    graph,
    async run(input: Tensor): Promise<Tensor> {
      if (disposed) throw disposedError(id);
      const shapes = checkRunInput(graph, input);
      const outShape = shapes.get(graph.output)!;
      // One run at a time: each kernel owns a single output buffer.
      const job = tail.then(async () => {
        if (disposed) throw disposedError(id);
        const exe = executableFor(input.shape);
        const data = await exe.run(input.data);
        lastRun = exe.lastRun;
        runs++;
        return { shape: [...outShape], data } satisfies Tensor;
      });
      tail = job.catch(() => undefined);
      return job;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await tail;
      for (const exe of cache.values()) exe.destroy();
      cache.clear();
      await gpu.destroy();
      counters.gpuDestroyed(mode);
      counters.modelDisposed(mode);
    },
    info() {
      return {
        // The backend name within this adapter; `mode` is the gpu.js kernel class every kernel ran on.
        backend: mode,
        id,
        library: 'gpu.js',
        mode: gpu.Kernel?.mode ?? gpu.mode,
        ...(adapter ? { adapter } : {}),
        foldBatchNorm: fold,
        kernels: engine.family.name,
        kernelsPerRun: [...cache.values()].at(-1)?.kernelCount ?? plan.ops.length + 1,
        ...(lastRun ? { lastRun } : {}),
        fusedNodes: plan.fusedNodes,
        builtShapes: [...cache.keys()],
        runs,
        disposed,
      };
    },
  };
  return model;
}

import { backendId, type EngineModel, type Graph, type Shape, type Weights } from '@resblocks/spec';
import type { Engine } from './engine.js';
import { Executor, type RunCounts } from './executor.js';
import { buildPlan } from './plan.js';

/** Input shapes whose kernels stay built; the oldest is destroyed when a new shape arrives. */
const SHAPE_CACHE = 3;

/** A model on one opened gpu.js mode: its launch plan, and kernels built per input shape. */
export function buildModel(
  opened: Engine,
  graph: Graph,
  weights: Weights,
  traceable: ReadonlySet<string> = new Set(),
): EngineModel {
  const id = backendId('gpujs', opened.mode);
  const engine = opened.instancePerModel
    ? { ...opened, gpu: new opened.lib.GPU({ mode: opened.mode }) }
    : opened;
  const plan = buildPlan(graph, weights, traceable);
  const cache = new Map<string, Executor>();
  let runs = 0;
  let lastRun: RunCounts | undefined;

  const executorFor = (shape: readonly number[], shapes: ReadonlyMap<string, Shape>): Executor => {
    const key = shape.join('x');
    let exe = cache.get(key);
    if (exe) {
      // Most recently used last.
      cache.delete(key);
      cache.set(key, exe);
      return exe;
    }
    exe = new Executor(engine, id, plan, graph, shapes);
    cache.set(key, exe);
    while (cache.size > SHAPE_CACHE) {
      const [oldKey, old] = cache.entries().next().value as [string, Executor];
      cache.delete(oldKey);
      old.destroy();
    }
    return exe;
  };

  return {
    async run(input, { shapes, signal, trace }) {
      const exe = executorFor(input.shape, shapes);
      const { output, values } = await exe.run(input.data, signal, trace);
      lastRun = exe.lastRun;
      runs++;
      return trace ? { output, values } : output;
    },
    async release() {
      for (const exe of cache.values()) exe.destroy();
      cache.clear();
      if (engine !== opened) await engine.gpu.destroy();
    },
    info() {
      return {
        // The backend name within this adapter; `mode` is the gpu.js kernel class every kernel ran on.
        backend: engine.mode,
        library: 'gpu.js',
        mode: engine.gpu.Kernel?.mode ?? engine.gpu.mode,
        ...(engine.adapter ? { adapter: engine.adapter } : {}),
        kernels: engine.family.name,
        kernelsPerRun: [...cache.values()].at(-1)?.kernelCount ?? plan.ops.length + 1,
        fusedNodes: plan.fusedNodes,
        builtShapes: [...cache.keys()],
        runs,
        ...(lastRun ? { lastRun } : {}),
      };
    },
  };
}

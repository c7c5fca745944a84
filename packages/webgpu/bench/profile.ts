/**
 * Where the WGSL engine's time goes: every dispatch of one run timed on the GPU's clock (timestamp
 * queries, one pass per dispatch), summed per kernel class, with the GFLOP/s each class reaches
 * (2 x its multiply-accumulates over its time) and its share of the run, plus the slowest
 * dispatches by node. The best of --repeats runs counts per dispatch. JSON (stdout, or --out FILE).
 * Needs an adapter with `timestamp-query`. Not a test: numbers depend on the machine.
 *
 *   npx tsx bench/profile.ts [--models resnet50,resnext50_32x4d] [--batches 1,64] [--size 224]
 *                            [--backends f32,f16] [--repeats 3] [--subgroups on|off] [--out FILE]
 *
 * --subgroups off: the kernels that can use subgroup operations use workgroup memory instead.
 */
import { benchFlags, benchMachine, runBenchScript } from '@resblocks/conformance';
import { foldBatchNorm, inferShapes, initWeights, networkGraph, seededInput, sizeOf } from '@resblocks/spec';
import { openEngine } from '../src/engine.js';
import { WebGpuModel } from '../src/model.js';

const flags = benchFlags();
const models = flags.list('models', ['resnet50', 'resnext50_32x4d']);
const batches = flags.list('batches', ['1', '64']).map(Number);
const size = flags.number('size', 224);
const repeats = Math.max(1, flags.number('repeats', 3));
const backends = flags.list('backends', ['f32']) as ('f32' | 'f16')[];
const subgroupsFlag = flags.string('subgroups');
if (subgroupsFlag !== undefined && subgroupsFlag !== 'on' && subgroupsFlag !== 'off')
  throw new Error(`--subgroups takes on or off, not '${subgroupsFlag}'`);

interface ClassRow {
  kernelClass: string;
  dispatches: number;
  ms: number;
  share: number;
  gflop: number;
  gflopsPerSec: number | null;
}

async function main(): Promise<object> {
  const results: object[] = [];
  for (const backend of backends) {
    if (backend !== 'f32' && backend !== 'f16')
      throw new Error(`--backends takes f32 and f16, not '${backend}'`);
    const engine = await openEngine(backend);
    if (!engine.features.timestampQuery)
      throw new Error(
        `this adapter (${engine.adapter.vendor} ${engine.adapter.architecture}) has no timestamp-query`,
      );
    try {
      for (const name of models) {
        const g = networkGraph(name);
        const { graph, weights } = foldBatchNorm(g, initWeights(g, 1));
        const model = new WebGpuModel(
          engine,
          graph,
          weights,
          subgroupsFlag ? { subgroups: subgroupsFlag === 'on' } : {},
        );
        try {
          for (const batch of batches) {
            const shape = [batch, graph.inChannels, size, size];
            const shapes = inferShapes(graph, shape);
            const x = seededInput(shape, 1).data;
            await model.profile(x, shape); // compiles the pipelines: not counted
            let best: { label: string; node: string; ms: number }[] | undefined;
            for (let i = 0; i < repeats; i++) {
              const p = await model.profile(x, shape);
              best = best ? best.map((d, k) => (p[k]!.ms < d.ms ? p[k]! : d)) : p;
            }
            const dispatches = best!.map((d, k) => ({ ...d, gflop: (2 * macs(model, k, shapes)) / 1e9 }));
            const total = dispatches.reduce((a, d) => a + d.ms, 0);
            const byClass = new Map<string, ClassRow>();
            for (const d of dispatches) {
              const row = byClass.get(d.label) ?? {
                kernelClass: d.label,
                dispatches: 0,
                ms: 0,
                share: 0,
                gflop: 0,
                gflopsPerSec: null,
              };
              row.dispatches++;
              row.ms += d.ms;
              row.gflop += d.gflop;
              byClass.set(d.label, row);
            }
            const classes = [...byClass.values()]
              .map((r) => ({
                ...r,
                share: r.ms / total,
                gflopsPerSec: r.gflop > 0 && r.ms > 0 ? r.gflop / (r.ms / 1000) : null,
              }))
              .sort((a, b) => b.ms - a.ms);
            const gflop = dispatches.reduce((a, d) => a + d.gflop, 0);
            results.push({
              backend: `webgpu:${backend}`,
              subgroups: model.subgroups,
              model: name,
              batch,
              size,
              dispatches: dispatches.length,
              gpuMs: total,
              imagesPerSecOnGpu: (batch * 1000) / total,
              gflopsPerSec: gflop / (total / 1000),
              classes,
              slowest: [...dispatches].sort((a, b) => b.ms - a.ms).slice(0, 8),
            });
            console.error(
              `webgpu:${backend} ${name} b${batch} ${size}px: ${total.toFixed(2)} ms on the GPU, ${(gflop / (total / 1000)).toFixed(0)} GFLOP/s; ${classes
                .slice(0, 3)
                .map((c) => `${c.kernelClass} ${(100 * c.share).toFixed(0)} %`)
                .join(', ')}`,
            );
          }
        } finally {
          model.release();
        }
      }
    } finally {
      engine.device.destroy();
    }
  }
  return {
    bench: 'webgpu per-kernel-class profile (timestamp queries)',
    repeats,
    machine: await benchMachine(),
    results,
    date: new Date().toISOString(),
  };
}

/** Multiply-accumulates of the plan's op k (convolutions and the linear layer; 0 for the rest). */
function macs(model: WebGpuModel, k: number, shapes: ReadonlyMap<string, readonly number[]>): number {
  const op = model.plan.ops[k]!;
  const out = sizeOf(shapes.get(op.out)!);
  if (op.kind === 'conv')
    return out * (op.node.inChannels / op.node.groups) * op.node.kernel[0] * op.node.kernel[1];
  if (op.kind === 'linear') return out * op.node.inFeatures;
  return 0;
}

runBenchScript(main, flags.string('out'));

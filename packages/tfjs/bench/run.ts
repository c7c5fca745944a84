/**
 * Latency benchmark of @resblocks/tfjs (not a test): whole networks at 224x224 per backend.
 *
 *   npm run bench -- [--models resnet50,resnext50_32x4d] [--backends wasm,webgpu,cpu]
 *                    [--batches 1,16] [--size 224] [--warmup 2] [--iterations 5] [--max-ms 120000]
 *                    [--grouped kernel|dense|depthwise|split|all] [--json FILE]
 *
 * Defaults finish in a few minutes on a 2-core machine: wasm at batch 1. The cpu backend takes
 * tens of seconds per resnet50 image; ask for it explicitly.
 */
import { benchArgs, benchMachine, runBenchScript, timeRuns } from '@resblocks/conformance';
import { initWeights, networkGraph, seededInput } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import {
  GROUPED_CONV_STRATEGIES,
  type GroupedConvStrategy,
  type TfjsCompileOptions,
  tfjsAdapter,
} from '../src/index.js';
import { GROUPED_KERNEL_BACKENDS } from '../src/kernels/grouped-conv.js';

const args = benchArgs({ models: ['resnet50', 'resnext50_32x4d'], iterations: 5 });
const { models, batches, size, timing } = args;
const backends = args.list('backends', ['wasm']);
const groupedFlag = args.string('grouped') ?? '';
const strategies: (GroupedConvStrategy | undefined)[] =
  groupedFlag === 'all'
    ? [...GROUPED_CONV_STRATEGIES]
    : groupedFlag
      ? [groupedFlag as GroupedConvStrategy]
      : [undefined];

interface Row {
  model: string;
  backend: string;
  batch: number;
  size: number;
  groupedConv: unknown;
  medianMs: number;
  p90Ms: number;
  imagesPerSecond: number;
  peakTensorBytes: number;
  compileMs: number;
  runs: number[];
  info: Readonly<Record<string, unknown>>;
}
async function main(): Promise<object> {
  const rows: Row[] = [];
  const skipped: { backend: string; reason: string }[] = [];

  for (const backend of backends) {
    const avail = await tfjsAdapter.probe(backend);
    if (!avail.available) {
      skipped.push({ backend, reason: avail.reason ?? 'unavailable' });
      console.error(`skip tfjs:${backend}: ${avail.reason}`);
      continue;
    }
    for (const model of models) {
      const graph = networkGraph(model);
      const weights = initWeights(graph, 1);
      const grouped = graph.nodes.some((n) => n.op === 'conv2d' && n.groups > 1);
      // 'all' leaves out 'kernel' where no grouped-conv kernel exists (named alone, it is an error).
      const usable = strategies.filter(
        (s) => s !== 'kernel' || groupedFlag !== 'all' || GROUPED_KERNEL_BACKENDS.includes(backend),
      );
      for (const strategy of grouped ? usable : [undefined]) {
        const options: TfjsCompileOptions = { backend, ...(strategy ? { groupedConv: strategy } : {}) };
        const t0 = performance.now();
        const compiled = await tfjsAdapter.compile(graph, weights, options);
        const compileMs = performance.now() - t0;
        for (const batch of batches) {
          const input = seededInput([batch, 3, size, size], 2);
          const [t] = await timeRuns([() => compiled.run(input)], timing);
          const { medianMs, p90Ms, samplesMs } = t!;
          // One extra run under the profiler for the peak bytes the engine held.
          const profile = await tf.profile(async () => {
            await compiled.run(input);
            return [];
          });
          const row: Row = {
            model,
            backend: `tfjs:${backend}`,
            batch,
            size,
            groupedConv: grouped ? compiled.info().groupedConv : null,
            medianMs: Math.round(medianMs * 10) / 10,
            p90Ms: Math.round(p90Ms * 10) / 10,
            imagesPerSecond: Math.round((batch / medianMs) * 1000 * 100) / 100,
            peakTensorBytes: profile.peakBytes,
            compileMs: Math.round(compileMs),
            runs: samplesMs.map((r) => Math.round(r)),
            info: compiled.info(),
          };
          rows.push(row);
          console.error(
            `${model} tfjs:${backend} b${batch}${grouped ? ` ${row.groupedConv}` : ''}: median ${row.medianMs} ms, p90 ${row.p90Ms} ms, ${row.imagesPerSecond} img/s, peak ${(row.peakTensorBytes / 2 ** 20).toFixed(1)} MiB`,
          );
        }
        await compiled.dispose();
      }
    }
  }

  // ResNeXt-50 costs about the FLOPs of ResNet-50; its time ratio shows the grouped-conv overhead.
  const ratios = rows
    .filter((r) => r.model === 'resnext50_32x4d')
    .flatMap((x) => {
      const base = rows.find((r) => r.model === 'resnet50' && r.backend === x.backend && r.batch === x.batch);
      return base
        ? [
            {
              backend: x.backend,
              batch: x.batch,
              groupedConv: x.groupedConv,
              resnext50OverResnet50: Math.round((x.medianMs / base.medianMs) * 100) / 100,
            },
          ]
        : [];
    });

  return {
    machine: await benchMachine(),
    tfjs: tf.version_core,
    settings: { size, ...timing },
    results: rows,
    ratios,
    skipped,
  };
}

runBenchScript(main, args.string('json'));

import { initWeights } from '@resblocks/spec';
import { offMainThread, selectBackends } from '../adapters.js';
import { defineCommand } from '../command.js';
import { type BenchResult, loadConformance } from '../conformance.js';
import { writeOutputFile } from '../files.js';
import { firstLine, formatMs, formatRate } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { describeMachine } from '../machine.js';
import { inputSize, loadModelWeights, modelGraph } from '../model-files.js';
import { createProgress } from '../progress.js';
import { SHARED } from '../shared-options.js';
import { barChartSvg } from '../svg.js';
import { renderTable } from '../table.js';
import { VERSION } from '../version.js';

const OPTIONS = {
  model: { ...SHARED.model, required: true, help: 'network name, e.g. resnet50' },
  batch: { type: 'int-list', min: 1, max: 4096, placeholder: '1,16', default: [1], help: 'batch sizes' },
  backends: SHARED.measuredBackends,
  size: SHARED.size,
  iterations: { type: 'int', min: 1, max: 100_000, default: 10, help: 'timed runs per measurement' },
  warmup: { type: 'int', min: 1, max: 1000, default: 2, help: 'untimed runs first' },
  'max-seconds': {
    type: 'int',
    min: 1,
    max: 86_400,
    placeholder: 'S',
    default: 60,
    help: 'stop a measurement after S seconds once 3 runs are timed (a run then in flight is stopped)',
  },
  io: {
    type: 'enum',
    values: ['cpu', 'gpu'],
    default: 'cpu',
    help: 'cpu: Float32Array in and out (upload and readback timed); gpu: the input in a GPU buffer, the output kept there (backends with GPU tensors)',
  },
  weights: { ...SHARED.weights, help: '.safetensors or PyTorch .pth/.pt weights instead of the seeded ones' },
  classes: SHARED.classes,
  json: { ...SHARED.json, help: 'write every measurement, with all its samples, as JSON' },
  chart: {
    type: 'string',
    placeholder: 'FILE.svg',
    help: 'write a bar chart of images/s per backend and batch size',
  },
} as const;

interface Measurement {
  backend: string;
  batch: number;
  result?: BenchResult;
  error?: string;
}

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'measure latency and throughput of a model per backend',
  usage: `resblocks bench --model NAME [--batch 1,16] [--backends x,y] [--size 224]
                       [--iterations N] [--warmup N] [--io cpu|gpu] [--weights FILE] [--classes N]
                       [--json FILE] [--chart FILE.svg]`,
  about: `Measures inference latency of one model on each backend: compile once, warm up, then time
--iterations runs end to end (input upload and output readback included). Prints the median
and 90th percentile latency and the throughput (images/s = batch / median) per backend and
batch size. Uses the spec's seeded weights unless --weights is given (speed does not depend
on the values). --io gpu times the GPU-tensor path instead: the input uploaded once to a buffer of
the backend's device, the output kept on it, each run timed until the device is done.`,
  examples: [
    `resblocks bench --model resnet50 --batch 1,16 --backends tfjs:wasm,onnx-web:wasm \\
    --json bench.json --chart bench.svg`,
  ],
  options: OPTIONS,
  async run({ values }, io) {
    const { model: name, classes, iterations, warmup } = values;
    const graph = modelGraph(name, classes);
    const size = inputSize(name, graph, values.size);
    const batches = values.batch;
    const maxMs = values['max-seconds'] * 1000;
    const requested = values.backends;
    const { runnable, unavailable, software } = await selectBackends(requested, { skipSlow: true });
    const deviceOf = (id: string) => runnable.find((r) => r.id === id)?.probed.availability.device ?? null;
    // The file decides the class count; without one the seeded weights are as fast as any.
    const { weights, graph: benchGraph } =
      values.weights !== undefined
        ? await loadModelWeights(name, values.weights, classes)
        : { weights: initWeights(graph, 0), graph };
    const { benchModel } = await loadConformance();

    const progress = createProgress(io, 'bench');
    progress.addTotal(runnable.length * batches.length);
    const measurements: Measurement[] = [];
    try {
      for (const row of runnable) {
        for (const batch of batches) {
          progress.label(`${row.id} batch ${batch}`);
          try {
            // GPU tensors stay with the device of the thread that made them: no worker host.
            const adapter =
              values.io === 'gpu'
                ? row.probed.adapter
                : offMainThread(row.probed.adapter, row.probed.backend);
            const result = await benchModel(adapter, row.probed.backend, benchGraph, weights, {
              batch,
              size,
              warmup,
              iterations,
              maxMs,
              io: values.io as 'cpu' | 'gpu',
            });
            measurements.push({ backend: row.id, batch, result });
          } catch (e) {
            measurements.push({
              backend: row.id,
              batch,
              error: firstLine((e as Error).message ?? String(e), 300),
            });
          }
          progress.tick(`${row.id} batch ${batch}`);
        }
      }
    } finally {
      progress.stop();
    }

    const machine = describeMachine();
    io.out(
      `${name} at ${size}x${size}, ${iterations} timed runs after ${warmup} warm-up${values.io === 'gpu' ? ', GPU tensors in and out' : ''}; ${machine}`,
    );
    io.out(
      renderTable(
        ['backend', 'batch', 'median ms', 'p90 ms', 'images/s', 'compile ms', 'first run ms', 'runs'],
        measurements.map((m) =>
          m.result
            ? [
                m.backend,
                m.batch,
                formatMs(m.result.medianMs),
                formatMs(m.result.p90Ms),
                formatRate(m.result.imagesPerSec),
                formatMs(m.result.compileMs),
                formatMs(m.result.firstRunMs),
                m.result.samplesMs.length,
              ]
            : [m.backend, m.batch, 'failed', '', '', '', '', m.error ?? ''],
        ),
        { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'], compact: true },
      ),
    );
    if (software.length) {
      io.out(
        `not measured (software GPU, slow; name them with --backends to include): ${software.map((r) => r.id).join(', ')}`,
      );
    }
    for (const r of unavailable) io.out(`not available here: ${r.id}: ${firstLine(r.reason ?? '', 300)}`);
    const failed = measurements.filter((m) => m.error);
    for (const f of failed) io.out(`failed: ${f.backend} batch ${f.batch}: ${f.error}`);
    if (!runnable.length) io.out('no backend could run; run `resblocks backends` to see why');

    if (values.json !== undefined) {
      await writeJsonReport(io, values.json, {
        model: name,
        size,
        warmup,
        iterations,
        io: values.io,
        results: measurements.map((m) => ({
          backend: m.backend,
          device: deviceOf(m.backend),
          batch: m.batch,
          ...(m.result ?? {}),
          ...(m.error ? { error: m.error } : {}),
        })),
        notMeasured: software.map((r) => ({
          backend: r.id,
          reason: 'software GPU; name it with --backends to include',
        })),
        unavailable: unavailable.map((r) => ({ backend: r.id, reason: r.reason ?? null })),
      });
    }
    if (values.chart !== undefined) {
      const svg = barChartSvg({
        title: `${name} inference throughput, ${size}x${size} input (higher is better)`,
        subtitle: machine,
        axisLabel: 'images per second',
        footer: `resblocks ${VERSION} bench: images/s = batch / median latency over ${iterations} runs after ${warmup} warm-up, upload and readback included; ${new Date().toISOString().slice(0, 10)}`,
        bars: measurements.map((m) => ({
          label: deviceOf(m.backend) === 'software' ? `${m.backend} (software GPU)` : m.backend,
          group: `batch ${m.batch}`,
          value: m.result?.imagesPerSec ?? 0,
          note: m.result
            ? `median ${formatMs(m.result.medianMs)} ms, p90 ${formatMs(m.result.p90Ms)} ms`
            : `failed: ${m.error ?? ''}`.slice(0, 60),
        })),
      });
      await writeOutputFile(values.chart, svg, 'chart');
      io.out(`wrote ${values.chart}`);
    }
    return failed.length || (requested && unavailable.length) || !runnable.length ? 1 : 0;
  },
});

import { initWeights, minInputSize } from '@resblocks/spec';
import { type BackendRow, resolveBackends } from '../adapters.js';
import { intOption, listOption, parseCommandArgs, requireOption } from '../args.js';
import { usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { type BenchResult, loadConformance } from '../conformance.js';
import { writeOutputFile } from '../files.js';
import { firstLine, formatMs, formatRate } from '../format.js';
import { describeMachine, machineInfo } from '../machine.js';
import { classesOption, loadModelWeights, modelGraph } from '../model-files.js';
import { createProgress } from '../progress.js';
import { barChartSvg } from '../svg.js';
import { renderTable } from '../table.js';
import { VERSION } from '../version.js';

const HELP = `Usage: resblocks bench --model NAME [--batch 1,16] [--backends x,y] [--size 224]
                       [--iterations N] [--warmup N] [--weights FILE] [--classes N]
                       [--json FILE] [--chart FILE.svg]

Measures inference latency of one model on each backend: compile once, warm up, then time
--iterations runs end to end (input upload and output readback included). Prints the median
and 90th percentile latency and the throughput (images/s = batch / median) per backend and
batch size. Uses the spec's seeded weights unless --weights is given (speed does not depend
on the values).

Options:
  --model NAME          network name (e.g. resnet50)
  --batch 1,16          batch sizes (default 1)
  --backends x,y        adapter:backend or adapter ids (default: every available backend
                        except the float64 reference, which is very slow; name it to include it)
  --size S              input height and width (default 224; 32 for CIFAR networks)
  --iterations N        timed runs per measurement (default 10)
  --warmup N            untimed runs first (default 2)
  --max-seconds S       stop a measurement after S seconds once 3 runs are timed (default 60)
  --weights FILE        .safetensors or PyTorch .pth/.pt weights instead of the seeded ones
  --classes N           class count of the model (default: fc.weight's rows, or the model's)
  --json FILE           write every measurement (with all samples) as JSON
  --chart FILE.svg      write a bar chart of images/s per backend and batch size
  --verbose             print stack traces on errors
  -h, --help            show this help

Example:
  resblocks bench --model resnet50 --batch 1,16 --backends tfjs:wasm,onnx-web:wasm \\
      --json bench.json --chart bench.svg
`;

interface Measurement {
  backend: string;
  batch: number;
  result?: BenchResult;
  error?: string;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure latency and throughput of a model per backend',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('bench', argv, {
      model: { type: 'string' },
      batch: { type: 'string' },
      backends: { type: 'string' },
      size: { type: 'string' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      'max-seconds': { type: 'string' },
      weights: { type: 'string' },
      json: { type: 'string' },
      chart: { type: 'string' },
      classes: { type: 'string' },
    });
    const name = requireOption('bench', 'model', values.model);
    const classes = classesOption('bench', values.classes);
    const graph = modelGraph(name, classes);
    const cifar = !graph.nodes.some((n) => n.op === 'maxpool');
    const size = intOption('bench', 'size', values.size, cifar ? 32 : 224, 1, 4096);
    if (size < minInputSize(graph)) {
      throw usageError(
        `--size ${size} is too small for ${name} (minimum ${minInputSize(graph)})`,
        'Pass a larger --size',
      );
    }
    const batches = (listOption(values.batch) ?? ['1']).map((b) =>
      intOption('bench', 'batch', b, 1, 1, 4096),
    );
    const iterations = intOption('bench', 'iterations', values.iterations, 10, 1, 100_000);
    const warmup = intOption('bench', 'warmup', values.warmup, 2, 1, 1000);
    const maxMs = intOption('bench', 'max-seconds', values['max-seconds'], 60, 1, 86_400) * 1000;
    const requested = listOption(values.backends);
    const all = (await resolveBackends(requested)).filter((r) => requested || r.adapterId !== 'reference');
    // Software-rendered GPUs (SwiftShader) are correct but orders of magnitude slower: only on request.
    const software = requested
      ? []
      : all.filter((r) => !r.reason && r.probed?.availability.device === 'software');
    const rows = all.filter((r) => !software.includes(r));
    const runnable = rows.filter((r): r is BackendRow & { probed: NonNullable<BackendRow['probed']> } =>
      Boolean(r.probed && !r.reason),
    );
    const deviceOf = (id: string) => runnable.find((r) => r.id === id)?.probed.availability.device ?? null;
    const unavailable = rows.filter((r) => r.reason);
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
            const result = await benchModel(row.probed.adapter, row.probed.backend, benchGraph, weights, {
              batch,
              size,
              warmup,
              iterations,
              maxMs,
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
    io.out(`${name} at ${size}x${size}, ${iterations} timed runs after ${warmup} warm-up; ${machine}`);
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
      const doc = {
        tool: `resblocks ${VERSION}`,
        createdAt: new Date().toISOString(),
        machine: { ...machineInfo(), description: machine },
        model: name,
        size,
        warmup,
        iterations,
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
      };
      await writeOutputFile(values.json, `${JSON.stringify(doc, null, 2)}\n`, 'JSON report');
      io.out(`wrote ${values.json}`);
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
};

/**
 * Wall and CPU time (process.cpuUsage) per run, for comparing kernels on a shared machine where
 * wall time alone is noisy. Not a test: numbers depend on the machine and its load.
 *
 *   npm run bench:cpu -- --backend webasm --model resnet50 --size 224 --batch 1 --runs 3
 */
import { benchFlags, quantile, runBenchScript, timeRuns } from '@resblocks/conformance';
import { initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { gpujsAdapter } from '../src/index.js';

const flags = benchFlags();
const backend = flags.string('backend') ?? 'webasm';
const model = flags.string('model') ?? 'resnet50';
const size = flags.number('size', 224);
const batch = flags.number('batch', 1);
const runs = flags.number('runs', 3);

async function main(): Promise<object> {
  const graph = networkGraph(model);
  const compiled = await gpujsAdapter.compile(graph, initWeights(graph, 1), { backend });
  const input = seededInput([batch, graph.inChannels, size, size], 1);
  const cpuMs: number[] = [];
  // CPU time is taken inside the run the loop times, so both cover the same work.
  const run = async () => {
    const c = process.cpuUsage();
    await compiled.run(input);
    const u = process.cpuUsage(c);
    cpuMs.push((u.user + u.system) / 1000);
  };
  // The first run builds every kernel; it is reported separately.
  const [wall] = await timeRuns([run], { warmup: 1, iterations: runs, maxMs: Number.POSITIVE_INFINITY });
  const [firstCpuMs, ...restCpuMs] = cpuMs;
  const report = {
    backend,
    model,
    size,
    batch,
    first: { wallMs: wall!.firstRunMs, cpuMs: firstCpuMs },
    medianWallMs: wall!.medianMs,
    medianCpuMs: quantile(
      [...restCpuMs].sort((a, b) => a - b),
      0.5,
    ),
    samples: wall!.samplesMs.map((wallMs, i) => ({ wallMs, cpuMs: restCpuMs[i] })),
    kernelsPerRun: compiled.info().kernelsPerRun,
  };
  await compiled.dispose();
  return report;
}

runBenchScript(main);

/**
 * Wall and CPU time (process.cpuUsage) per run, for comparing kernels on a shared machine where
 * wall time alone is noisy. Not a test: numbers depend on the machine and its load.
 *
 *   npm run bench:cpu -- --backend webasm --model resnet50 --size 224 --batch 1 --runs 3
 */
import { quantile, timeRuns } from '@resblocks/conformance';
import { initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { gpujsAdapter } from '../src/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const backend = flag('backend', 'webasm');
const model = flag('model', 'resnet50');
const size = Number(flag('size', '224'));
const batch = Number(flag('batch', '1'));
const runs = Number(flag('runs', '3'));

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
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
// Dawn keeps the event loop alive.
process.exit(0);

/**
 * Wall and CPU time (process.cpuUsage) per run, for comparing kernels on a shared machine where
 * wall time alone is noisy. Not a test: numbers depend on the machine and its load.
 *
 *   npm run bench:cpu -- --backend webasm --model resnet50 --size 224 --batch 1 --runs 3
 */
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
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const samples: { wallMs: number; cpuMs: number }[] = [];
// The first run builds every kernel; it is reported separately.
for (let i = 0; i <= runs; i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  await compiled.run(input);
  samples.push({ wallMs: performance.now() - t, cpuMs: cpuMs(process.cpuUsage(c)) });
}
const [first, ...rest] = samples;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const report = {
  backend,
  model,
  size,
  batch,
  first,
  medianWallMs: median(rest.map((s) => s.wallMs)),
  medianCpuMs: median(rest.map((s) => s.cpuMs)),
  samples: rest,
  kernelsPerRun: compiled.info().kernelsPerRun,
};
await compiled.dispose();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
// Dawn keeps the event loop alive.
process.exit(0);

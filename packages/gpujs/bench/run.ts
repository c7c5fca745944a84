/**
 * Latency of ResNet/ResNeXt on gpu.js kernels: median, p90 and images/s per backend, model and
 * batch, as JSON (stdout, and --out FILE). Not a test: numbers depend on the machine.
 *
 *   npm run bench -- --backends webasm,webgpu --models resnet50 --batches 1,16 --size 224
 */
import { writeFileSync } from 'node:fs';
import { type BenchResult, benchModel } from '@resblocks/conformance';
import { graphCosts, initWeights, networkGraph } from '@resblocks/spec';
import { gpujsAdapter } from '../src/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const list = (s: string) => s.split(',').filter(Boolean);

const backends = list(flag('backends', 'webasm'));
const models = list(flag('models', 'resnet50'));
const batches = list(flag('batches', '1')).map(Number);
const size = Number(flag('size', '224'));
const iterations = Number(flag('iterations', '2'));
const maxMs = Number(flag('max-ms', '60000'));
const out = flag('out', '');

const results: (BenchResult & { gmacs: number; gflopsPerSec: number })[] = [];
const skipped: { backend: string; reason: string }[] = [];
for (const backend of backends) {
  const p = await gpujsAdapter.probe(backend);
  if (!p.available) {
    skipped.push({ backend, reason: p.reason ?? 'unavailable' });
    continue;
  }
  for (const name of models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    for (const batch of batches) {
      const r = await benchModel(gpujsAdapter, backend, graph, weights, {
        batch,
        size,
        warmup: 1,
        iterations,
        maxMs,
      });
      const macs = graphCosts(graph, [batch, graph.inChannels, size, size]).macs;
      const row = { ...r, gmacs: macs / 1e9, gflopsPerSec: (2 * macs) / (r.medianMs * 1e6) };
      results.push(row);
      console.error(
        `${r.backend} ${name} b${batch} ${size}px: median ${r.medianMs.toFixed(0)} ms, p90 ${r.p90Ms.toFixed(0)} ms, ${r.imagesPerSec.toFixed(2)} img/s, ${row.gflopsPerSec.toFixed(2)} GFLOP/s (compile ${r.compileMs.toFixed(0)} ms, first run ${r.firstRunMs.toFixed(0)} ms)`,
      );
    }
  }
}
const report = { adapter: 'gpujs', size, iterations, results, skipped, date: new Date().toISOString() };
const json = `${JSON.stringify(report, null, 2)}\n`;
if (out) writeFileSync(out, json);
process.stdout.write(json);
// Dawn keeps the event loop alive.
process.exit(0);

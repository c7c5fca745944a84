/**
 * Latency of ResNet/ResNeXt on gpu.js kernels: median, p90 and images/s per backend, model and
 * batch, as JSON (stdout, or --out FILE). Not a test: numbers depend on the machine.
 *
 *   npm run bench -- --backends webasm,webgpu --models resnet50 --batches 1,16 --size 224
 *                    [--iterations 2] [--warmup 1] [--max-ms 60000]
 */
import {
  type BenchResult,
  benchArgs,
  benchMachine,
  benchModel,
  runBenchScript,
} from '@resblocks/conformance';
import { graphCosts, initWeights, networkGraph } from '@resblocks/spec';
import { gpujsAdapter } from '../src/index.js';

const args = benchArgs({ models: ['resnet50'], iterations: 2, warmup: 1, maxMs: 60_000 });
const { size, timing } = args;
const backends = args.list('backends', ['webasm']);

async function main(): Promise<object> {
  const results: (BenchResult & { gmacs: number; gflopsPerSec: number })[] = [];
  const skipped: { backend: string; reason: string }[] = [];
  for (const backend of backends) {
    const p = await gpujsAdapter.probe(backend);
    if (!p.available) {
      skipped.push({ backend, reason: p.reason ?? 'unavailable' });
      continue;
    }
    for (const name of args.models) {
      const graph = networkGraph(name);
      const weights = initWeights(graph, 1);
      for (const batch of args.batches) {
        const r = await benchModel(gpujsAdapter, backend, graph, weights, { batch, size, ...timing });
        const macs = graphCosts(graph, [batch, graph.inChannels, size, size]).macs;
        const row = { ...r, gmacs: macs / 1e9, gflopsPerSec: (2 * macs) / (r.medianMs * 1e6) };
        results.push(row);
        console.error(
          `${r.backend} ${name} b${batch} ${size}px: median ${r.medianMs.toFixed(0)} ms, p90 ${r.p90Ms.toFixed(0)} ms, ${r.imagesPerSec.toFixed(2)} img/s, ${row.gflopsPerSec.toFixed(2)} GFLOP/s (compile ${r.compileMs.toFixed(0)} ms, first run ${r.firstRunMs.toFixed(0)} ms)`,
        );
      }
    }
  }
  return {
    adapter: 'gpujs',
    size,
    ...timing,
    machine: await benchMachine(),
    results,
    skipped,
    date: new Date().toISOString(),
  };
}

runBenchScript(main, args.string('out'));

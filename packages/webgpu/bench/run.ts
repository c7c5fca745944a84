/**
 * webgpu:f32, webgpu:f16 and tfjs:webgpu side by side on the same input: each model compiled once,
 * then their runs interleaved by the shared timing loop (timeRuns), so a load change on a shared
 * machine hits each alike. JSON with medians and each backend's ratio to tfjs:webgpu (stdout, or
 * --out FILE). Not a test: numbers depend on the machine.
 *
 *   npm run bench -- --models resnet50,resnext50_32x4d --batches 1 --size 64
 *                    [--backends webgpu:f32,webgpu:f16,tfjs:webgpu] [--iterations 5] [--warmup 1]
 */
import { benchArgs, benchMachine, runBenchScript, timeRuns } from '@resblocks/conformance';
import {
  type Adapter,
  type CompiledModel,
  graphCosts,
  initWeights,
  networkGraph,
  parseBackendId,
  seededInput,
} from '@resblocks/spec';
import { webgpuAdapter } from '../src/index.js';

const args = benchArgs({
  models: ['resnet50', 'resnext50_32x4d'],
  batches: [1],
  size: 64,
  iterations: 5,
  warmup: 1,
  maxMs: 120_000,
});
const backends = args.list('backends', ['webgpu:f32', 'webgpu:f16', 'tfjs:webgpu']);
const BASELINE = 'tfjs:webgpu';

async function adapterFor(id: string): Promise<Adapter> {
  if (id.startsWith('webgpu:')) return webgpuAdapter;
  if (id.startsWith('tfjs:')) {
    // The workspace's build of @resblocks/tfjs (not a dependency of this package).
    const { tfjsAdapter } = (await import('@resblocks/tfjs' as string)) as { tfjsAdapter: Adapter };
    return tfjsAdapter;
  }
  throw new Error(`this bench compares webgpu and tfjs backends, not '${id}'`);
}

async function main(): Promise<object> {
  const rows: object[] = [];
  const skipped: { backend: string; reason: string }[] = [];
  const usable: { id: string; adapter: Adapter; backend: string }[] = [];
  for (const id of backends) {
    const parsed = parseBackendId(id);
    if (!parsed) throw new Error(`'${id}' is not adapter:backend`);
    const adapter = await adapterFor(id);
    const p = await adapter.probe(parsed.backend);
    if (!p.available) skipped.push({ backend: id, reason: p.reason ?? 'unavailable' });
    else usable.push({ id, adapter, backend: parsed.backend });
  }
  const { size, timing } = args;
  for (const name of args.models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    for (const batch of args.batches) {
      const input = seededInput([batch, graph.inChannels, size, size], 1);
      const models: { id: string; model: CompiledModel; compileMs: number }[] = [];
      try {
        for (const u of usable) {
          const t = performance.now();
          const model = await u.adapter.compile(graph, weights, { backend: u.backend });
          models.push({ id: u.id, model, compileMs: performance.now() - t });
        }
        const timings = await timeRuns(
          models.map(
            ({ model }) =>
              (signal?: AbortSignal) =>
                model.run(input, signal ? { signal } : {}),
          ),
          timing,
        );
        const base = models.findIndex((m) => m.id === BASELINE);
        const macs = graphCosts(graph, [batch, graph.inChannels, size, size]).macs;
        models.forEach((m, k) => {
          const t = timings[k]!;
          const row = {
            backend: m.id,
            model: name,
            batch,
            size,
            compileMs: m.compileMs,
            ...t,
            imagesPerSec: (batch * 1000) / t.medianMs,
            gflopsPerSec: (2 * macs) / (t.medianMs * 1e6),
            // This backend's median time over tfjs:webgpu's (below 1: faster).
            ratioToTfjs: base >= 0 ? t.medianMs / timings[base]!.medianMs : null,
            info: m.model.info(),
          };
          rows.push(row);
          console.error(
            `${m.id} ${name} b${batch} ${size}px: median ${t.medianMs.toFixed(0)} ms${row.ratioToTfjs === null ? '' : `, ${row.ratioToTfjs.toFixed(3)}x tfjs:webgpu`} (compile ${m.compileMs.toFixed(0)} ms, first run ${t.firstRunMs.toFixed(0)} ms)`,
          );
        });
      } finally {
        for (const { model } of models) await model.dispose();
      }
    }
  }
  return {
    bench: 'webgpu vs tfjs:webgpu',
    size: args.size,
    ...timing,
    machine: await benchMachine(),
    results: rows,
    skipped,
    date: new Date().toISOString(),
  };
}

runBenchScript(main, args.string('out'));

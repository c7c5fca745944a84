import { type ConformanceReport, runConformance } from '@resblocks/conformance';
import {
  type Adapter,
  type CompiledModel,
  initWeights,
  networkGraph,
  parseBackendId,
  seededInput,
} from '@resblocks/spec';
import { hostAdapter } from '@resblocks/worker';
import { adapterById } from './adapters.js';
import { fetchFixtures } from './fixtures.js';
import { configureWasmPaths } from './wasm-paths.js';

/** What an aborted run did: how it settled, and how long after abort() was due. */
export interface AbortMeasure {
  readonly outcome: string;
  readonly lateMs: number;
  readonly passMs: number;
}

export interface HostedHarness {
  /** The shared suite's cases matching `only`, through a Web Worker. */
  run(backendId: string, only: readonly string[]): Promise<ConformanceReport>;
  /** Aborts a resnet50 pass 200 ms in, on the page's thread and through a Web Worker. */
  abort(backendId: string, batch: number): Promise<{ plain: AbortMeasure; hosted: AbortMeasure }>;
}

declare global {
  interface Window {
    hosted: HostedHarness;
  }
}

async function hosted(adapterId: string): Promise<Adapter> {
  const local = await adapterById(adapterId);
  return hostAdapter(local, {
    createWorker: () => new Worker(`/app/hosted-worker.js?adapter=${adapterId}`, { type: 'module' }),
  });
}

async function measureAbort(model: CompiledModel, batch: number): Promise<AbortMeasure> {
  const x = seededInput([batch, 3, 224, 224], 1);
  let t = performance.now();
  await model.run(x);
  const passMs = performance.now() - t;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  t = performance.now() + 200;
  const outcome = await model.run(x, { signal: controller.signal }).then(
    () => 'resolved',
    (e: { code?: string }) => String(e.code),
  );
  return { outcome, lateMs: performance.now() - t, passMs };
}

window.hosted = {
  async run(id, only) {
    const parsed = parseBackendId(id);
    if (!parsed) throw new Error(`'${id}' is not an adapter:backend id`);
    await configureWasmPaths(location.origin);
    const fixtures = await fetchFixtures(`${location.origin}/fixtures/`, ['resnet8_cifar']);
    return runConformance(await hosted(parsed.adapter), parsed.backend, {
      required: true,
      fixtures: async () => fixtures,
      networks: ['resnet8_cifar'],
      accuracyImages: 0,
      only,
    });
  },
  async abort(id, batch) {
    const { adapter, backend } = parseBackendId(id)!;
    await configureWasmPaths(location.origin);
    const graph = networkGraph('resnet50');
    const weights = initWeights(graph, 0);
    const out: Record<string, AbortMeasure> = {};
    for (const [name, a] of [
      ['plain', await adapterById(adapter)],
      ['hosted', await hosted(adapter)],
    ] as const) {
      const model = await a.compile(graph, weights, { backend });
      try {
        out[name] = await measureAbort(model, batch);
      } finally {
        await model.dispose();
      }
    }
    return { plain: out.plain!, hosted: out.hosted! };
  },
};

import { type ConformanceReport, runConformance } from '@resblocks/conformance';
import { chooseBackend, parseBackendId, probeAll, probeSummary } from '@resblocks/spec';
import { adapterById, runtimeAdapters } from './adapters.js';
import { fetchFixtures } from './fixtures.js';
import { fetchTrained } from './trained.js';
import { configureWasmPaths } from './wasm-paths.js';

export interface PageSuiteOptions {
  readonly networks: readonly string[];
  readonly maxBlockCases: number;
  readonly randomCases: number;
  /** Per group: at most N evenly spaced cases, or the listed ids (see SuiteOptions.sample). */
  readonly sample?: Readonly<Record<string, number | readonly string[]>>;
  readonly exclude?: Readonly<Record<string, string>>;
  /** Fixture groups to draw block cases from (default: all). */
  readonly groups?: readonly string[];
  /** Trained-network images per model (default: the suite's choice for the backend's kind). */
  readonly accuracyImages?: number;
}

/** What this browser's GPU APIs run on, read directly (not through any adapter). */
export interface PageGpu {
  webgpu: { vendor: string; architecture: string; description: string } | null;
  webglRenderer: string | null;
}

/** One probed backend as JSON (for the docs' decision table). */
export interface PageProbe {
  id: string;
  api: string;
  available: boolean;
  device: string | null;
  rank: number;
  reason: string | null;
}

export interface ConformanceHarness {
  probe(): Promise<{ backends: PageProbe[]; chosen: string | null; userAgent: string }>;
  run(backendId: string, options: PageSuiteOptions): Promise<ConformanceReport>;
  gpu(): Promise<PageGpu>;
}

declare global {
  interface Window {
    conformance: ConformanceHarness;
  }
}

window.conformance = {
  async probe() {
    await configureWasmPaths(location.origin);
    const adapters = await runtimeAdapters();
    const backends = (await probeAll(adapters)).map(probeSummary);
    const chosen = await chooseBackend(adapters).then(
      (c) => c.id,
      () => null,
    );
    return { backends, chosen, userAgent: navigator.userAgent };
  },
  async gpu() {
    type Info = { vendor: string; architecture: string; description: string };
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info: Info } | null> } }).gpu;
    const adapter = await gpu?.requestAdapter();
    const gl = document.createElement('canvas').getContext('webgl2');
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    return {
      webgpu: adapter
        ? {
            vendor: adapter.info.vendor,
            architecture: adapter.info.architecture,
            description: adapter.info.description,
          }
        : null,
      webglRenderer: gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : null,
    };
  },
  async run(id, options) {
    const parsed = parseBackendId(id);
    if (!parsed) throw new Error(`'${id}' is not an adapter:backend id`);
    await configureWasmPaths(location.origin);
    const fixtures = await fetchFixtures(`${location.origin}/fixtures/`, options.networks);
    const trained = await fetchTrained(`${location.origin}/fixtures/trained/`);
    return runConformance(await adapterById(parsed.adapter), parsed.backend, {
      required: true,
      fixtures: async () => fixtures,
      trained: async () => trained,
      ...(options.accuracyImages !== undefined ? { accuracyImages: options.accuracyImages } : {}),
      networks: options.networks,
      maxBlockCases: options.maxBlockCases,
      randomCases: options.randomCases,
      ...(options.sample ? { sample: options.sample } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
      onCase: (r) =>
        console.log(
          `[${id}] ${r.status} ${r.id} ${Math.round(r.durationMs)} ms${r.message ? ` ${r.message}` : ''}`,
        ),
    });
  },
};

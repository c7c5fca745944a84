import { type ConformanceReport, runConformance } from '@resblocks/conformance';
import { chooseBackend, type Dtype, parseBackendId, probeAll, probeSummary } from '@resblocks/spec';
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
  /** An unavailable backend fails (default); false reports it skipped, with its reason, as a user's run would. */
  readonly required?: boolean;
}

/** A suite run in the page, with the dtype its numbers were judged in (the docs' precision column). */
export type PageReport = ConformanceReport & { readonly dtype: Dtype };

/** What this browser's GPU APIs run on, read directly (not through any adapter). */
export interface PageGpu {
  webgpu: { vendor: string; architecture: string; description: string } | null;
  /** What navigator.gpu or requestAdapter() said when there is no adapter, in the browser's words. */
  webgpuError: string | null;
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
  run(backendId: string, options: PageSuiteOptions): Promise<PageReport>;
  gpu(): Promise<PageGpu>;
}

declare global {
  interface Window {
    conformance: ConformanceHarness;
  }
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= load();
    return p;
  };
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
    let webgpuError: string | null = gpu ? null : 'navigator.gpu is undefined';
    const adapter = await gpu?.requestAdapter().catch((e: Error) => {
      webgpuError = e.message;
      return null;
    });
    if (gpu && adapter === null) webgpuError ??= 'requestAdapter() returned null';
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
      webgpuError,
      webglRenderer: gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : null,
    };
  },
  async run(id, options) {
    const parsed = parseBackendId(id);
    if (!parsed) throw new Error(`'${id}' is not an adapter:backend id`);
    await configureWasmPaths(location.origin);
    const adapter = await adapterById(parsed.adapter);
    // Fetched when the suite asks: a backend the browser does not offer needs neither.
    const report = await runConformance(adapter, parsed.backend, {
      required: options.required ?? true,
      fixtures: once(() => fetchFixtures(`${location.origin}/fixtures/`, options.networks)),
      trained: once(() => fetchTrained(`${location.origin}/fixtures/trained/`)),
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
    // After the run: tfjs:webgl knows only then whether it renders float32 or half floats.
    return { ...report, dtype: adapter.dtype(parsed.backend) };
  },
};

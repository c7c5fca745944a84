import { ResblocksError } from '../errors.js';
import { currentEnvironment, describeError, type Environment } from '../platform/environment.js';
import { referenceAdapter } from '../reference/reference-adapter.js';
import { type ProbedBackend, probeAll } from './choose.js';
import { type Adapter, type BackendId, parseBackendId } from './contract.js';

/**
 * The one list of adapter packages. The CLI, the browser page and the docs data script load
 * adapters from it; each loads them its own way (Node imports by name, a page bundles them).
 */
export interface AdapterPackage {
  readonly id: string;
  readonly packageName: string;
  readonly exportName: string;
  /** Where the package can load at all (default both): a native addon has no browser build. */
  readonly environments?: readonly Environment[];
}

export const ADAPTER_PACKAGES: readonly AdapterPackage[] = [
  { id: 'tfjs', packageName: '@resblocks/tfjs', exportName: 'tfjsAdapter' },
  { id: 'onnx-web', packageName: '@resblocks/onnx-web', exportName: 'onnxWebAdapter' },
  { id: 'gpujs', packageName: '@resblocks/gpujs', exportName: 'gpujsAdapter' },
  { id: 'webgpu', packageName: '@resblocks/webgpu', exportName: 'webgpuAdapter' },
  {
    id: 'onnx-node',
    packageName: '@resblocks/onnx-node',
    exportName: 'onnxNodeAdapter',
    environments: ['node'],
  },
];

/** An adapter package as loaded: the adapter, or why it could not be loaded. */
export type LoadedAdapter =
  | { readonly id: string; readonly packageName: string; readonly adapter: Adapter }
  | {
      readonly id: string;
      readonly packageName: string;
      readonly adapter?: undefined;
      readonly reason: string;
    };

/** Imports a package's module, or answers why it cannot (never throws). */
export type AdapterImporter = (
  packageName: string,
) => Promise<{ module: Record<string, unknown> } | { reason: string }>;

export function isAdapter(x: unknown): x is Adapter {
  const a = x as Adapter | undefined;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.id === 'string' &&
    Array.isArray(a.backends) &&
    typeof a.probe === 'function' &&
    typeof a.compile === 'function'
  );
}

async function loadOne(pkg: AdapterPackage, importer: AdapterImporter): Promise<LoadedAdapter> {
  const base = { id: pkg.id, packageName: pkg.packageName };
  let imported: Awaited<ReturnType<AdapterImporter>>;
  try {
    imported = await importer(pkg.packageName);
  } catch (e) {
    imported = { reason: `package ${pkg.packageName} failed to load: ${describeError(e).split('\n')[0]}` };
  }
  if ('reason' in imported) return { ...base, reason: imported.reason };
  const adapter = imported.module[pkg.exportName];
  if (adapter === undefined) {
    return { ...base, reason: `package ${pkg.packageName} does not export ${pkg.exportName}` };
  }
  if (!isAdapter(adapter)) {
    return {
      ...base,
      reason: `${pkg.packageName}'s ${pkg.exportName} does not implement the Adapter contract`,
    };
  }
  return { ...base, adapter };
}

/** Every adapter, the reference first, in the registry's order. */
export async function loadAdapters(
  importer: AdapterImporter,
  packages: readonly AdapterPackage[] = ADAPTER_PACKAGES,
): Promise<LoadedAdapter[]> {
  const here = currentEnvironment();
  const rest = await Promise.all(
    packages.filter((p) => p.environments?.includes(here) ?? true).map((p) => loadOne(p, importer)),
  );
  return [{ id: 'reference', packageName: '@resblocks/spec', adapter: referenceAdapter }, ...rest];
}

export function usableAdapters(loaded: readonly LoadedAdapter[]): Adapter[] {
  return loaded.flatMap((l) => (l.adapter ? [l.adapter] : []));
}

/** A requested backend, resolved and probed once; the probe travels on to whoever runs it. */
export interface BackendRow {
  readonly id: BackendId | `${string}:*`;
  readonly adapterId: string;
  readonly probed?: ProbedBackend;
  /** Set when the backend cannot run here (package missing, probe says no). */
  readonly reason?: string;
}

function knownIds(loaded: readonly LoadedAdapter[]): string {
  return loaded
    .flatMap((l) =>
      l.adapter ? l.adapter.backends.map((b) => `${l.id}:${b.name}`) : [`${l.id}:* (not loaded)`],
    )
    .join(', ');
}

/**
 * Checks a backend name (`adapter:backend`, or with `allowAdapter` a bare adapter id) against what the
 * adapters offer, without probing. Throws UNKNOWN_BACKEND naming the valid ones.
 */
export function checkBackendName(
  loaded: readonly LoadedAdapter[],
  name: string,
  options: { allowAdapter?: boolean } = {},
): { loaded: LoadedAdapter; backend?: string } {
  const parsed = parseBackendId(name);
  if (!parsed && !options.allowAdapter) {
    throw new ResblocksError('UNKNOWN_BACKEND', `backend '${name}' is not of the form adapter:backend`, {
      backend: name,
    });
  }
  const adapterId = parsed ? parsed.adapter : name;
  const l = loaded.find((x) => x.id === adapterId);
  if (!l) {
    throw new ResblocksError(
      'UNKNOWN_BACKEND',
      `unknown backend '${name}'; known backends: ${knownIds(loaded)}`,
      {
        backend: name,
      },
    );
  }
  if (parsed && l.adapter && !l.adapter.backends.some((b) => b.name === parsed.backend)) {
    const offers = l.adapter.backends.map((b) => `${l.id}:${b.name}`).join(', ');
    throw new ResblocksError('UNKNOWN_BACKEND', `unknown backend '${name}'; ${l.id} offers ${offers}`, {
      backend: name,
    });
  }
  return parsed ? { loaded: l, backend: parsed.backend } : { loaded: l };
}

/**
 * Resolves requested backends (`adapter:backend`, or an adapter id for all of its backends; all of
 * every adapter when `list` is empty) and probes each once. Unloadable packages come back with their
 * reason; unknown names throw UNKNOWN_BACKEND.
 */
export async function resolveBackends(
  loaded: readonly LoadedAdapter[],
  list?: readonly string[],
): Promise<BackendRow[]> {
  const wanted = list?.length
    ? list.map((item) => checkBackendName(loaded, item, { allowAdapter: true }))
    : loaded.map((l) => ({ loaded: l, backend: undefined }));
  const rows: BackendRow[] = [];
  const seen = new Set<string>();
  for (const { loaded: l, backend } of wanted) {
    if (!l.adapter) {
      const id = backend ? (`${l.id}:${backend}` as const) : (`${l.id}:*` as const);
      if (!seen.has(id)) rows.push({ id, adapterId: l.id, reason: l.reason });
      seen.add(id);
      continue;
    }
    // Probe only what was asked for: some probes start GPU runtimes that are slow to start and stop.
    const probed = await probeAll([l.adapter], backend ? [backend] : undefined);
    for (const p of probed) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      rows.push({
        id: p.id,
        adapterId: l.id,
        probed: p,
        ...(p.availability.available ? {} : { reason: p.availability.reason ?? 'unavailable' }),
      });
    }
  }
  return rows;
}

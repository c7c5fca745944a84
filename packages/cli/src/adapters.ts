import {
  type Adapter,
  type Availability,
  type BackendId,
  backendId,
  type ProbedBackend,
  parseBackendId,
  probeAll,
  rankOf,
  referenceAdapter,
} from '@resblocks/spec';
import { CliError, usageError } from './cli-error.js';

/**
 * The one place that knows which adapter packages exist. Each is imported lazily, so a package
 * that is not installed, not built, or fails to load shows up as unavailable with the reason
 * instead of taking the whole command down.
 */
export interface AdapterSource {
  readonly id: string;
  readonly packageName: string;
  readonly exportName: string;
}

export const ADAPTER_SOURCES: readonly AdapterSource[] = [
  { id: 'tfjs', packageName: '@resblocks/tfjs', exportName: 'tfjsAdapter' },
  { id: 'onnx-web', packageName: '@resblocks/onnx-web', exportName: 'onnxWebAdapter' },
  { id: 'gpujs', packageName: '@resblocks/gpujs', exportName: 'gpujsAdapter' },
];

export type LoadedAdapter =
  | { readonly id: string; readonly packageName: string; readonly adapter: Adapter }
  | {
      readonly id: string;
      readonly packageName: string;
      readonly adapter?: undefined;
      readonly reason: string;
    };

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0]!.trim();
}

function isAdapter(x: unknown): x is Adapter {
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

/** Imports a module by name, answering a reason instead of throwing. */
export async function importOptional(
  packageName: string,
): Promise<{ module: Record<string, unknown> } | { reason: string }> {
  try {
    return { module: (await import(packageName)) as Record<string, unknown> };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && firstLine(e).includes(`'${packageName}'`)) {
      return { reason: `package ${packageName} is not installed` };
    }
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      return { reason: `package ${packageName} could not be loaded (is it built?): ${firstLine(e)}` };
    }
    return { reason: `package ${packageName} failed to load: ${firstLine(e)}` };
  }
}

async function loadOne(source: AdapterSource): Promise<LoadedAdapter> {
  const base = { id: source.id, packageName: source.packageName };
  const imported = await importOptional(source.packageName);
  if ('reason' in imported) return { ...base, reason: imported.reason };
  const adapter = imported.module[source.exportName];
  if (adapter === undefined) {
    return { ...base, reason: `package ${source.packageName} does not export ${source.exportName} yet` };
  }
  if (!isAdapter(adapter)) {
    return {
      ...base,
      reason: `${source.packageName}'s ${source.exportName} does not implement the Adapter contract`,
    };
  }
  return { ...base, adapter };
}

let cached: Promise<LoadedAdapter[]> | undefined;

/** Every adapter, reference first, in a stable order (loaded once per process). */
export function loadAdapters(): Promise<LoadedAdapter[]> {
  cached ??= Promise.all(ADAPTER_SOURCES.map(loadOne)).then((rest) => [
    { id: 'reference', packageName: '@resblocks/spec', adapter: referenceAdapter },
    ...rest,
  ]);
  return cached;
}

export function usable(loaded: readonly LoadedAdapter[]): Adapter[] {
  return loaded.flatMap((l) => (l.adapter ? [l.adapter] : []));
}

/** One backend's probe, as probeAll reports it (never throws). */
async function probeOne(adapter: Adapter, backend: string): Promise<ProbedBackend> {
  const d = adapter.backends.find((b) => b.name === backend)!;
  let availability: Availability;
  try {
    availability = await adapter.probe(backend);
  } catch (e) {
    availability = { available: false, reason: `probe failed: ${firstLine(e)}` };
  }
  return {
    id: backendId(adapter.id, backend),
    adapter,
    backend,
    api: d.api,
    availability,
    rank: rankOf(d.api, availability.device),
  };
}

/** A backend named on the command line, resolved against what the adapters offer. */
export interface BackendRow {
  readonly id: BackendId | `${string}:*`;
  readonly adapterId: string;
  readonly probed?: ProbedBackend;
  /** Set when the backend cannot run here (package missing, probe says no). */
  readonly reason?: string;
}

function knownIds(loaded: readonly LoadedAdapter[]): string {
  const ids = loaded.flatMap((l) =>
    l.adapter ? l.adapter.backends.map((b) => `${l.id}:${b.name}`) : [`${l.id}:* (not loaded)`],
  );
  return ids.join(', ');
}

/**
 * Resolves `--backends` items (`adapter:backend`, or `adapter` for all of its backends) and probes
 * them. Unknown names are usage errors listing the valid ones. Without a list, every backend of
 * every adapter is returned, unloadable packages included (with their reason).
 */
export async function resolveBackends(list: readonly string[] | undefined): Promise<BackendRow[]> {
  const loaded = await loadAdapters();
  const wanted: { l: LoadedAdapter; backend?: string }[] = [];
  if (!list?.length) {
    for (const l of loaded) wanted.push({ l });
  } else {
    for (const item of list) {
      const parsed = parseBackendId(item);
      const adapterId = parsed ? parsed.adapter : item;
      const l = loaded.find((x) => x.id === adapterId);
      if (!l) {
        throw usageError(
          `unknown backend '${item}'; known backends: ${knownIds(loaded)}`,
          'Name a backend as adapter:backend, e.g. reference:float64, or an adapter id for all of its backends',
        );
      }
      if (parsed && l.adapter && !l.adapter.backends.some((b) => b.name === parsed.backend)) {
        throw usageError(
          `unknown backend '${item}'; ${l.id} offers ${l.adapter.backends.map((b) => `${l.id}:${b.name}`).join(', ')}`,
          'Run `resblocks backends` to list every backend',
        );
      }
      wanted.push(parsed ? { l, backend: parsed.backend } : { l });
    }
  }
  const rows: BackendRow[] = [];
  const seen = new Set<string>();
  for (const { l, backend } of wanted) {
    if (!l.adapter) {
      const id = backend ? (`${l.id}:${backend}` as const) : (`${l.id}:*` as const);
      if (!seen.has(id)) rows.push({ id, adapterId: l.id, reason: l.reason });
      seen.add(id);
      continue;
    }
    // Probe only what was asked for: some probes start GPU runtimes that are slow to start and stop.
    const probed = backend ? [await probeOne(l.adapter, backend)] : await probeAll([l.adapter]);
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

/** Checks that `id` names one backend an adapter offers (without probing it). */
export async function checkBackendName(id: string): Promise<void> {
  const parsed = parseBackendId(id);
  if (!parsed) {
    throw usageError(
      `backend '${id}' is not of the form adapter:backend`,
      'Name one backend, e.g. --backend reference:float64; `resblocks backends` lists them',
    );
  }
  const loaded = await loadAdapters();
  const l = loaded.find((x) => x.id === parsed.adapter);
  if (!l) {
    throw usageError(
      `unknown backend '${id}'; known backends: ${knownIds(loaded)}`,
      'Run `resblocks backends` to list every backend',
    );
  }
  if (l.adapter && !l.adapter.backends.some((b) => b.name === parsed.backend)) {
    throw usageError(
      `unknown backend '${id}'; ${l.id} offers ${l.adapter.backends.map((b) => `${l.id}:${b.name}`).join(', ')}`,
      'Run `resblocks backends` to list every backend',
    );
  }
}

/** Resolves exactly one backend that must be able to run here (for `run`). */
export async function requireBackend(id: string): Promise<ProbedBackend> {
  await checkBackendName(id);
  const [row] = await resolveBackends([id]);
  if (!row?.probed || row.reason) {
    throw new CliError(
      `backend ${id} cannot run here: ${row?.reason ?? 'unavailable'}`,
      'Run `resblocks backends` to see which backends can run here, or pick another with --backend',
    );
  }
  return row.probed;
}

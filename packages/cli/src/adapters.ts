import {
  ADAPTER_PACKAGES,
  type Adapter,
  type AdapterImporter,
  type BackendRow,
  checkBackendName as checkName,
  isResblocksError,
  type LoadedAdapter,
  loadAdapters as loadFromRegistry,
  type ProbedBackend,
  resolveBackends as resolveFromRegistry,
  usableAdapters,
} from '@resblocks/spec';
import { hostAdapter } from '@resblocks/worker';
import { CliError, usageError } from './cli-error.js';

export type { BackendRow, LoadedAdapter };
/** The adapter packages the command line knows: the spec's registry. */
export const ADAPTER_SOURCES = ADAPTER_PACKAGES;

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0]!.trim();
}

/** Imports a module by name, answering a reason instead of throwing. */
export const importOptional: AdapterImporter = async (packageName) => {
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
};

let cached: Promise<LoadedAdapter[]> | undefined;

/** Every adapter, reference first, in a stable order (loaded once per process). */
export function loadAdapters(): Promise<LoadedAdapter[]> {
  cached ??= loadFromRegistry(importOptional);
  return cached;
}

export function usable(loaded: readonly LoadedAdapter[]): Adapter[] {
  return usableAdapters(loaded);
}

const hosted = new Map<string, Adapter>();

/**
 * The adapter to compile with: a wasm backend's pass blocks the thread it runs on for its whole
 * length, so it runs in a worker, and Ctrl-C and timers are handled while it computes.
 */
export function offMainThread(adapter: Adapter, backend: string): Adapter {
  const api = adapter.backends.find((b) => b.name === backend)?.api;
  if (api !== 'wasm' || !ADAPTER_PACKAGES.some((p) => p.id === adapter.id)) return adapter;
  const host = hosted.get(adapter.id) ?? hostAdapter(adapter);
  hosted.set(adapter.id, host);
  return host;
}

/** Unknown backend names are usage errors (exit 2) with a hint. */
async function asUsage<T>(work: () => T | Promise<T>, hint: string): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isResblocksError(e, 'UNKNOWN_BACKEND')) throw usageError(e.message, hint);
    throw e;
  }
}

/**
 * Resolves `--backends` items (`adapter:backend`, or `adapter` for all of its backends) and probes
 * them once. Without a list, every backend of every adapter (unloadable packages with their reason).
 */
export async function resolveBackends(list: readonly string[] | undefined): Promise<BackendRow[]> {
  const loaded = await loadAdapters();
  return asUsage(
    () => resolveFromRegistry(loaded, list),
    'Name a backend as adapter:backend, e.g. reference:float64, or an adapter id for all of its backends',
  );
}

/** Checks that `id` names one backend an adapter offers (without probing it). */
export async function checkBackendName(id: string): Promise<void> {
  const loaded = await loadAdapters();
  await asUsage(
    () => checkName(loaded, id),
    id.includes(':')
      ? 'Run `resblocks backends` to list every backend'
      : 'Name one backend, e.g. --backend reference:float64; `resblocks backends` lists them',
  );
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

export type RunnableRow = BackendRow & { probed: ProbedBackend };

export interface BackendSelection {
  /** The backends that can run here, to run. */
  runnable: RunnableRow[];
  /** Those that cannot, with their reason. */
  unavailable: BackendRow[];
  /** Software-rendered GPUs left out because they are slow (only when none were named). */
  software: RunnableRow[];
}

/**
 * The backends a command runs: those named, or every backend. With `skipSlow` and no names, the
 * float64 reference and software-rendered GPUs (SwiftShader: correct, but orders of magnitude
 * slower) are left out; they run only on request.
 */
export async function selectBackends(
  requested: readonly string[] | undefined,
  { skipSlow = false } = {},
): Promise<BackendSelection> {
  const slow = skipSlow && !requested;
  const rows = (await resolveBackends(requested)).filter((r) => !slow || r.adapterId !== 'reference');
  const runnable = rows.filter((r): r is RunnableRow => Boolean(r.probed && !r.reason));
  const software = slow ? runnable.filter((r) => r.probed.availability.device === 'software') : [];
  return {
    runnable: runnable.filter((r) => !software.includes(r)),
    unavailable: rows.filter((r) => r.reason),
    software,
  };
}

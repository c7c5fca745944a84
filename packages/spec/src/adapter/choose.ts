import { ResblocksError } from '../errors.js';
import { type Adapter, type Availability, type BackendApi, type BackendId, backendId } from './contract.js';

export interface ProbedBackend {
  readonly id: BackendId;
  readonly adapter: Adapter;
  readonly backend: string;
  readonly api: BackendApi;
  readonly availability: Availability;
  /** Lower is preferred; see rankOf. */
  readonly rank: number;
}

/**
 * Preference on this platform: a hardware GPU through WebGPU, then WebGL, then native
 * (tfjs-node), then wasm, then software-rendered GPU APIs (correct but slow), then plain JS cpu.
 */
export function rankOf(api: BackendApi, device: Availability['device']): number {
  const software = device === 'software';
  switch (api) {
    case 'webgpu':
      return software ? 40 : 0;
    case 'webgl':
      return software ? 41 : 10;
    case 'native':
      return 20;
    case 'wasm':
      return 30;
    case 'cpu':
      return 50;
  }
}

/** Probes every backend of every adapter (or only the named backends), one after another, never throwing. */
export async function probeAll(
  adapters: readonly Adapter[],
  only?: readonly string[],
): Promise<ProbedBackend[]> {
  const out: ProbedBackend[] = [];
  for (const adapter of adapters) {
    for (const d of adapter.backends) {
      if (only && !only.includes(d.name)) continue;
      let availability: Availability;
      try {
        availability = await adapter.probe(d.name);
      } catch (e) {
        availability = { available: false, reason: `probe failed: ${(e as Error).message}` };
      }
      out.push({
        id: backendId(adapter.id, d.name),
        adapter,
        backend: d.name,
        api: d.api,
        availability,
        rank: rankOf(d.api, availability.device),
      });
    }
  }
  return out;
}

/** One probed backend as plain JSON (no adapter object), for reports and saved probe files. */
export interface ProbeSummary {
  readonly id: BackendId;
  readonly api: BackendApi;
  readonly available: boolean;
  readonly device: NonNullable<Availability['device']> | null;
  readonly rank: number;
  readonly reason: string | null;
}

export function probeSummary(p: ProbedBackend): ProbeSummary {
  return {
    id: p.id,
    api: p.api,
    available: p.availability.available,
    device: p.availability.device ?? null,
    rank: p.rank,
    reason: p.availability.reason ?? null,
  };
}

/**
 * Picks the best available backend on this platform by probing (not guessing). The float64
 * reference is never chosen: it is the oracle, not a runtime. Ties keep the adapters' order.
 * Throws BACKEND_UNAVAILABLE listing every backend and why it cannot run when none can.
 */
export async function chooseBackend(
  adapters: readonly Adapter[],
  options: { exclude?: readonly BackendId[] } = {},
): Promise<ProbedBackend> {
  const probed = (await probeAll(adapters.filter((a) => a.id !== 'reference'))).filter(
    (p) => !options.exclude?.includes(p.id),
  );
  const ok = probed.filter((p) => p.availability.available).sort((a, b) => a.rank - b.rank);
  if (!ok[0]) {
    const why = probed.map((p) => `${p.id}: ${p.availability.reason ?? 'unavailable'}`).join('; ');
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `no backend can run here (${why || 'no adapters given'})`,
      {},
    );
  }
  return ok[0];
}

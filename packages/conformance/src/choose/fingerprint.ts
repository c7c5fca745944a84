import { availableCores, type Environment, isNode, type ProbedBackend } from '@resblocks/spec';

/**
 * What a measured decision depends on: the CPU and its threads, the runtime, and every backend's
 * probe (engine versions, GPU adapter vendor/architecture/description, threads, SIMD). Any change
 * makes a cached decision stale.
 */
export interface DeviceFingerprint {
  readonly environment: Environment;
  /** CPU model (Node) or the user agent (browsers do not name the CPU). */
  readonly cpu: string;
  readonly threads: number;
  /** OS and runtime version (Node), empty in a browser (the user agent says it). */
  readonly runtime: string;
  readonly backends: readonly {
    readonly id: string;
    readonly available: boolean;
    readonly device: string | null;
    readonly info: unknown;
  }[];
}

/** Probe fields that describe the process's current state, not the device (tfjs's active backend). */
const VOLATILE = new Set(['active']);

/** Plain JSON with sorted keys, so equal facts always give the same text. */
function plain(value: unknown, depth = 0): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (depth > 8 || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1)).filter((v) => v !== undefined);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value as object).sort()) {
    if (VOLATILE.has(k)) continue;
    const v = plain((value as Record<string, unknown>)[k], depth + 1);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(plain(value));
}

export async function deviceFingerprint(probed: readonly ProbedBackend[]): Promise<DeviceFingerprint> {
  const g = globalThis as { process?: { version?: string }; navigator?: { userAgent?: string } };
  const backends = probed.map((p) => ({
    id: p.id,
    available: p.availability.available,
    device: p.availability.device ?? null,
    info: plain(p.availability.info ?? {}) ?? {},
  }));
  const threads = await availableCores();
  if (isNode()) {
    const os = await import('node:os');
    return {
      environment: 'node',
      cpu: (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
      threads,
      runtime: `${os.platform()} ${os.arch()} Node ${g.process?.version}`,
      backends,
    };
  }
  return {
    environment: 'browser',
    cpu: g.navigator?.userAgent ?? 'unknown browser',
    threads,
    runtime: '',
    backends,
  };
}

/** The top-level fields (or backend ids) where two fingerprints differ. */
export function fingerprintChanges(a: DeviceFingerprint, b: DeviceFingerprint): string[] {
  const changed: string[] = [];
  for (const k of ['environment', 'cpu', 'threads', 'runtime'] as const)
    if (canonicalJson(a[k]) !== canonicalJson(b[k])) changed.push(k);
  const ids = new Set([...a.backends.map((x) => x.id), ...b.backends.map((x) => x.id)]);
  for (const id of ids) {
    const x = a.backends.find((e) => e.id === id);
    const y = b.backends.find((e) => e.id === id);
    if (canonicalJson(x) !== canonicalJson(y)) changed.push(id);
  }
  return changed;
}

/**
 * Where the code runs. Node is a process with `versions.node` and no `window` (a browser test page
 * may define `process` for libraries, so `window` decides).
 */
export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; window?: unknown };
  return typeof g.process?.versions?.node === 'string' && typeof g.window === 'undefined';
}

export type Environment = 'node' | 'browser';

export function currentEnvironment(): Environment {
  return isNode() ? 'node' : 'browser';
}

/** Logical cores available to this process or page (at least 1). */
export async function availableCores(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

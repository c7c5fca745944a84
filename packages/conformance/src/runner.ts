import {
  type Adapter,
  type Availability,
  type BackendId,
  backendId,
  type CompiledModel,
} from '@resblocks/spec';
import { listCases } from './cases/index.js';
import { probeBlock } from './cases/probe-block.js';
import { CaseFailure } from './check.js';
import { nextTurn } from './next-turn.js';
import type {
  CaseContext,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  ConformanceReport,
  SuiteOptions,
} from './types.js';

export const isCI = (): boolean => {
  // Browsers have no process; the page's harness passes `required` explicitly.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CI === 'true' || env?.CI === '1';
};

/** The per-backend context; call release() when the suite is done (disposes the shared probe model). */
export function createContext(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): CaseContext & { release(): Promise<void> } {
  let shared: Promise<CompiledModel> | undefined;
  const compile: CaseContext['compile'] = (graph, weights, extra = {}) =>
    adapter.compile(graph, weights, { ...options.compileOptions, ...extra, backend });
  return {
    adapter,
    backend,
    id: backendId(adapter.id, backend),
    dtype: adapter.dtype(backend),
    capabilities: adapter.capabilities(backend),
    options,
    compile,
    sharedProbe() {
      if (!shared) {
        const { graph, weights } = probeBlock();
        shared = compile(graph, weights);
        // A failed compile is reported by the case that asked; the next case tries again.
        shared.catch(() => {
          shared = undefined;
        });
      }
      return shared;
    },
    async release() {
      const m = shared;
      shared = undefined;
      if (m) await (await m.catch(() => undefined))?.dispose();
    },
  };
}

export async function runCase(c: ConformanceCase, ctx: CaseContext): Promise<CaseResult> {
  const base = { id: c.id, group: c.group, backend: ctx.id };
  if (c.skip) return { ...base, status: 'skip', fraction: null, durationMs: 0, message: c.skip };
  const t0 = performance.now();
  try {
    const out = await c.run(ctx);
    const durationMs = out.durationMs ?? performance.now() - t0;
    return {
      ...base,
      status: 'pass',
      fraction: out.fraction ?? null,
      durationMs,
      ...(out.measured ? { measured: out.measured } : {}),
    };
  } catch (e) {
    const fraction = e instanceof CaseFailure && e.fraction !== undefined ? e.fraction : null;
    const err = e as Error;
    const message =
      e instanceof CaseFailure ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    const divergence = e instanceof CaseFailure ? e.divergence : undefined;
    return {
      ...base,
      status: 'fail',
      fraction,
      durationMs: performance.now() - t0,
      message,
      ...(divergence ? { divergence } : {}),
    };
  }
}

export function summarize(
  id: BackendId,
  info: Record<string, unknown>,
  startedAt: string,
  cases: CaseResult[],
): ConformanceReport {
  const fractions = cases.map((c) => c.fraction).filter((f): f is number => f !== null);
  return {
    backend: id,
    info,
    startedAt,
    cases,
    summary: {
      passed: cases.filter((c) => c.status === 'pass').length,
      failed: cases.filter((c) => c.status === 'fail').length,
      skipped: cases.filter((c) => c.status === 'skip').length,
      worstFraction: fractions.length ? Math.max(...fractions) : null,
      durationMs: cases.reduce((s, c) => s + c.durationMs, 0),
    },
  };
}

/** One entry of a planned run: a case to run, or an outcome known without running (a skip). */
export interface PlannedCase {
  readonly id: string;
  readonly group: string;
  readonly case?: ConformanceCase;
  /** Set when the outcome is known up front: a skip with its reason, or an unavailable backend. */
  readonly settled?: CaseResult;
}

/** The suite planned for one backend; runConformance and the vitest binding both drive one of these. */
export interface ConformanceRun {
  readonly backend: BackendId;
  readonly availability: Availability;
  readonly cases: readonly PlannedCase[];
  /** Runs one planned case (a settled one just returns its outcome); the result joins the report. */
  run(c: PlannedCase): Promise<CaseResult>;
  /** The report of every settled case and every case run so far, in plan order. */
  report(): ConformanceReport;
  /** Disposes what the run shares between cases. */
  release(): Promise<void>;
}

async function probe(adapter: Adapter, backend: string): Promise<Availability> {
  try {
    return await adapter.probe(backend);
  } catch (e) {
    return { available: false, reason: `probe failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

/**
 * Plans the suite for one backend: probes it (unless options.availability already says), lists
 * the cases, and settles what needs no running. An unavailable backend yields one case,
 * `backend/available`, failing (required) or skipped with the probe's reason.
 */
export async function planConformance(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): Promise<ConformanceRun> {
  const id = backendId(adapter.id, backend);
  const startedAt = new Date().toISOString();
  const availability = options.availability ?? (await probe(adapter, backend));
  const results = new Map<PlannedCase, CaseResult>();
  const settle = (
    { id: caseId, group }: { id: string; group: string },
    status: CaseStatus,
    message: string,
  ) => {
    const planned: PlannedCase = {
      id: caseId,
      group,
      settled: { id: caseId, group, backend: id, status, fraction: null, durationMs: 0, message },
    };
    results.set(planned, planned.settled!);
    return planned;
  };
  let cases: PlannedCase[];
  let ctx: (CaseContext & { release(): Promise<void> }) | undefined;
  if (!availability.available) {
    const required = options.required ?? isCI();
    const reason = `${id} is not available here: ${availability.reason ?? 'no reason given'}`;
    cases = [settle({ id: 'backend/available', group: 'backend' }, required ? 'fail' : 'skip', reason)];
  } else {
    ctx = createContext(adapter, backend, options);
    cases = (await listCases(adapter, backend, options)).map((c) =>
      c.skip ? settle(c, 'skip', c.skip) : { id: c.id, group: c.group, case: c },
    );
  }
  const info = availability.available
    ? { ...(availability.info ?? {}), device: availability.device }
    : { ...(availability.info ?? {}) };
  return {
    backend: id,
    availability,
    cases,
    async run(c) {
      const known = results.get(c);
      if (known) return known;
      if (!c.case || !ctx) throw new Error(`case ${c.id} is not part of this run`);
      const r = await runCase(c.case, ctx);
      results.set(c, r);
      return r;
    },
    report: () =>
      summarize(
        id,
        info,
        startedAt,
        cases.flatMap((c) => results.get(c) ?? []),
      ),
    release: async () => ctx?.release(),
  };
}

/**
 * Runs the whole suite for one backend outside any test framework (the CLI's `verify` and the
 * browser page use this).
 */
export async function runConformance(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions & { onCase?: (r: CaseResult) => void; onPlan?: (total: number) => void } = {},
): Promise<ConformanceReport> {
  const run = await planConformance(adapter, backend, options);
  options.onPlan?.(run.cases.length);
  try {
    for (const c of run.cases) {
      await nextTurn();
      const r = await run.run(c);
      options.onCase?.(r);
    }
  } finally {
    await run.release();
  }
  return run.report();
}

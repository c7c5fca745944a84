import {
  type Adapter,
  type BackendId,
  backendId,
  blockContract,
  type CompiledModel,
  initWeights,
  lowerBlock,
  seededInput,
} from '@resblocks/spec';
import { listCases, probeBlock } from './cases.js';
import { CaseFailure } from './check.js';
import { nextTurn } from './next-turn.js';
import type { CaseContext, CaseResult, ConformanceCase, ConformanceReport, SuiteOptions } from './types.js';

export const isCI = (): boolean => {
  // Browsers have no process; the page's harness passes `required` explicitly.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.CI === 'true' || env?.CI === '1';
};

/**
 * The first case of every run: the backend must really be the one requested. A backend that
 * silently fell back (tfjs to cpu, ORT to wasm, gpu.js to cpu) fails here.
 */
export function identityCase(options: SuiteOptions): ConformanceCase {
  return {
    id: 'backend/identity',
    group: 'backend',
    async run(ctx) {
      const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'identity');
      const model = await ctx.adapter.compile(graph, initWeights(graph, 1), { backend: ctx.backend });
      try {
        await model.run(seededInput([1, 4, 4, 4], 1));
        const info = model.info();
        if (model.backend !== ctx.id)
          throw new CaseFailure(`compiled model says it is ${model.backend}, expected ${ctx.id}`);
        if (info.backend !== ctx.backend) {
          throw new CaseFailure(
            `requested backend '${ctx.backend}' but the engine ran on '${String(info.backend)}' (info: ${JSON.stringify(info)})`,
          );
        }
        const problem = options.expectInfo?.(info);
        if (problem)
          throw new CaseFailure(`backend check failed: ${problem} (info: ${JSON.stringify(info)})`);
      } finally {
        await model.dispose();
      }
      return {};
    },
  };
}

/** The per-backend context; call release() when the suite is done (disposes the shared probe model). */
export function createContext(adapter: Adapter, backend: string): CaseContext & { release(): Promise<void> } {
  let shared: Promise<CompiledModel> | undefined;
  return {
    adapter,
    backend,
    id: backendId(adapter.id, backend),
    dtype: adapter.dtype(backend),
    capabilities: adapter.capabilities(backend),
    sharedProbe() {
      if (!shared) {
        const { graph, weights } = probeBlock();
        shared = adapter.compile(graph, weights, { backend });
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
    return { ...base, status: 'pass', fraction: out.fraction ?? null, durationMs: performance.now() - t0 };
  } catch (e) {
    const fraction = e instanceof CaseFailure && e.fraction !== undefined ? e.fraction : null;
    const err = e as Error;
    const message =
      e instanceof CaseFailure ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    return { ...base, status: 'fail', fraction, durationMs: performance.now() - t0, message };
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

/**
 * Runs the whole suite for one backend outside any test framework (the CLI's `verify` uses this).
 * An unavailable backend yields one failing (required) or skipped case carrying the probe's reason.
 */
export async function runConformance(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions & { onCase?: (r: CaseResult) => void; onPlan?: (total: number) => void } = {},
): Promise<ConformanceReport> {
  const id = backendId(adapter.id, backend);
  const startedAt = new Date().toISOString();
  const availability = await adapter.probe(backend);
  if (!availability.available) {
    const required = options.required ?? isCI();
    const r: CaseResult = {
      id: 'backend/available',
      group: 'backend',
      backend: id,
      status: required ? 'fail' : 'skip',
      fraction: null,
      durationMs: 0,
      message: `${id} is not available here: ${availability.reason ?? 'no reason given'}`,
    };
    options.onPlan?.(1);
    options.onCase?.(r);
    return summarize(id, { ...(availability.info ?? {}) }, startedAt, [r]);
  }
  const ctx = createContext(adapter, backend);
  const cases = [identityCase(options), ...(await listCases(adapter, backend, options))];
  options.onPlan?.(cases.length);
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      await nextTurn();
      const r = await runCase(c, ctx);
      results.push(r);
      options.onCase?.(r);
    }
  } finally {
    await ctx.release();
  }
  return summarize(id, { ...(availability.info ?? {}), device: availability.device }, startedAt, results);
}

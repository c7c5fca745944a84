import { type Adapter, backendId } from '@resblocks/spec';
import { listCases } from './cases.js';
import { createContext, identityCase, isCI, runCase, summarize } from './runner.js';
import type { CaseResult, ConformanceCase, SuiteOptions } from './types.js';

/**
 * Registers the conformance suite for one backend as vitest tests. Call it with top-level await
 * from a test file (vitest collects tests synchronously, and the case list needs the fixtures):
 *
 *   await defineConformanceSuite(tfjsAdapter, 'wasm', { networks: ['resnet8_cifar'] });
 *
 * Cases the backend cannot run (capabilities, exclusions) are registered as skipped tests whose
 * name carries the reason; with CI=true an unavailable backend is a failing test, not a skip.
 * The JSON report is written after the suite (see SuiteOptions.report).
 */
export async function defineConformanceSuite(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): Promise<void> {
  const { describe, it, afterAll } = await import('vitest');
  const id = backendId(adapter.id, backend);
  const timeout = options.timeoutMs ?? 300_000;
  const availability = await adapter.probe(backend);
  const required = options.required ?? isCI();
  const cases: ConformanceCase[] = availability.available
    ? [identityCase(options), ...(await listCases(adapter, backend, options))]
    : [];
  const results: CaseResult[] = [];
  const startedAt = new Date().toISOString();

  describe(`conformance ${id}`, () => {
    const ctx = createContext(adapter, backend);
    afterAll(async () => {
      await ctx.release();
      // Imported here so the package stays loadable in browsers (the report is a Node feature).
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const { dirname, resolve } = await import('node:path');
      const file = resolve(options.report ?? `reports/conformance-${adapter.id}-${backend}.json`);
      mkdirSync(dirname(file), { recursive: true });
      const info = { ...(availability.info ?? {}), device: availability.device };
      writeFileSync(file, `${JSON.stringify(summarize(id, info, startedAt, results), null, 2)}\n`);
    });

    if (!availability.available) {
      const reason = `${id} is not available here: ${availability.reason ?? 'no reason given'}`;
      results.push({
        id: 'backend/available',
        group: 'backend',
        backend: id,
        status: required ? 'fail' : 'skip',
        fraction: null,
        durationMs: 0,
        message: reason,
      });
      if (required) {
        it('backend/available', () => {
          throw new Error(`${reason} (required: CI=true)`);
        });
      } else {
        it.skip(`backend/available — skipped: ${reason}`, () => {});
      }
      return;
    }

    for (const c of cases) {
      if (c.skip) {
        results.push({
          id: c.id,
          group: c.group,
          backend: id,
          status: 'skip',
          fraction: null,
          durationMs: 0,
          message: c.skip,
        });
        it.skip(`${c.id} — skipped: ${c.skip}`, () => {});
        continue;
      }
      it(
        c.id,
        async () => {
          const r = await runCase(c, ctx);
          results.push(r);
          if (r.status === 'fail') throw new Error(`${c.id} on ${id}: ${r.message}`);
        },
        timeout,
      );
    }
  });
}

import type { Adapter } from '@resblocks/spec';
import { planConformance } from './runner.js';
import type { ConformanceReport, SuiteOptions } from './types.js';

async function writeReport(file: string, report: ConformanceReport): Promise<void> {
  // Imported here so the package stays loadable in browsers (the report is a Node feature).
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { dirname, resolve } = await import('node:path');
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * Registers the conformance suite for one backend as vitest tests: one test per planned case of
 * the runner (planConformance), so both report the same cases. Call it with top-level await from
 * a test file (vitest collects tests synchronously, and the case list needs the fixtures):
 *
 *   await defineConformanceSuite(tfjsAdapter, 'wasm', { networks: ['resnet8_cifar'] });
 *
 * Skipped cases (capabilities, exclusions) are registered as skipped tests whose name carries the
 * reason; with CI=true an unavailable backend is a failing test, not a skip. The JSON report is
 * written after the suite (see SuiteOptions.report).
 */
export async function defineConformanceSuite(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): Promise<void> {
  const { describe, it, afterAll } = await import('vitest');
  const timeout = options.timeoutMs ?? 300_000;
  const run = await planConformance(adapter, backend, options);

  const variant = options.compileOptions ? ` ${JSON.stringify(options.compileOptions)}` : '';
  describe(`conformance ${run.backend}${variant}`, () => {
    afterAll(async () => {
      await run.release();
      if (options.report !== false)
        await writeReport(
          options.report ?? `reports/conformance-${adapter.id}-${backend}.json`,
          run.report(),
        );
    });
    for (const c of run.cases) {
      if (c.settled?.status === 'skip') {
        it.skip(`${c.id} — skipped: ${c.settled.message}`, () => {});
        continue;
      }
      it(
        c.id,
        async () => {
          const r = await run.run(c);
          if (r.status !== 'fail') return;
          // A settled failure is an unavailable backend that is required here.
          const why = options.required === undefined ? 'required: CI=true' : 'required';
          throw new Error(c.settled ? `${r.message} (${why})` : `${c.id} on ${run.backend}: ${r.message}`);
        },
        timeout,
      );
    }
  });
}

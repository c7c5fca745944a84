import { selectBackends } from '../adapters.js';
import { defineCommand } from '../command.js';
import { type ConformanceReport, loadConformance } from '../conformance.js';
import { firstLine, formatDuration, formatFraction } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { createProgress } from '../progress.js';
import { childArgs, childLine, isChild, runJobs } from './verify/jobs.js';
import { ABOUT, EXAMPLES, USAGE, VERIFY_OPTIONS, verifyOptions } from './verify/options.js';
import { plan } from './verify/plan.js';
import { jsonNumbers, printProblems, renderBackendTable, renderGroupTable, totals } from './verify/report.js';
import { type Tier, tierOf } from './verify/sampling.js';

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check every backend against the spec fixtures and the float64 reference',
  usage: USAGE,
  about: ABOUT,
  examples: EXAMPLES,
  options: VERIFY_OPTIONS,
  async run({ values }, io) {
    const options = verifyOptions(values);
    const { full, maxBlockCases, groups, randomCases, seed } = options;
    const requested = options.backends;
    const { runnable, unavailable } = await selectBackends(requested);
    const { networks, referenceNets } = await plan(options);
    const conformance = await loadConformance();

    const progress = createProgress(io, 'verify');
    const started = performance.now();
    // Without --full, each backend runs what its kind allows in seconds (sampling.ts).
    const tierOfRow = (row: (typeof runnable)[number]) =>
      full
        ? undefined
        : tierOf(
            row.probed.availability,
            row.probed.adapter.backends.find((b) => b.name === row.probed.backend)?.api,
          );
    const suiteOptions = (row: (typeof runnable)[number]) => {
      const tier = tierOfRow(row);
      const blockLimit = maxBlockCases ?? tier?.maxBlockCases;
      // An explicit --random asks for that many random cases: the tier leaves those groups whole.
      const sample = tier?.sample && { ...tier.sample };
      if (sample && options.randomGiven) {
        delete sample['random-blocks'];
        delete sample['random-networks'];
      }
      return {
        // Probed once, while resolving the names.
        availability: row.probed.availability,
        ...(networks ? { networks } : {}),
        ...(groups ? { groups } : {}),
        ...(blockLimit !== undefined ? { maxBlockCases: blockLimit } : {}),
        ...(sample ? { sample } : {}),
        ...(tier?.accuracyImages ? { accuracyImages: tier.accuracyImages } : {}),
        ...(tier?.accuracyModels ? { accuracyModels: tier.accuracyModels } : {}),
        randomCases,
        seed,
        referenceNetworks: referenceNets,
        required: true,
      };
    };

    let reports: ConformanceReport[];
    try {
      if (isChild()) {
        // One backend for a parent verify: events on stdout, nothing else.
        for (const row of runnable) {
          const report = await conformance.runConformance(row.probed.adapter, row.probed.backend, {
            ...suiteOptions(row),
            onPlan: (n) => io.out(childLine({ plan: n })),
            onCase: (r) => io.out(childLine({ case: r })),
          });
          io.out(childLine({ report }));
        }
        return 0;
      }
      const parallel = Math.min(options.jobs, runnable.length);
      if (parallel > 1) {
        // Slowest first, so the last job to start is a short one.
        const order = runnable
          .map((row, i) => ({ row, i, weight: tierOfRow(row)?.weight ?? 1 }))
          .sort((a, b) => b.weight - a.weight || a.i - b.i);
        const out = await runJobs(
          order.map(({ row }) => ({
            backend: row.id,
            args: childArgs(options),
            onPlan: (n) => progress.addTotal(n),
            onCase: (r) => progress.tick(`${row.id} ${r.id}`),
          })),
          parallel,
        );
        reports = new Array(runnable.length);
        order.forEach(({ i }, k) => {
          reports[i] = out[k]!;
        });
      } else {
        reports = [];
        for (const row of runnable) {
          progress.label(`${row.id} loading fixtures`);
          reports.push(
            await conformance.runConformance(row.probed.adapter, row.probed.backend, {
              ...suiteOptions(row),
              onPlan: (n) => progress.addTotal(n),
              onCase: (r) => progress.tick(`${row.id} ${r.id}`),
            }),
          );
        }
      }
    } finally {
      progress.stop();
    }
    const sampled = new Map<Tier, string[]>();
    for (const row of runnable) {
      const tier = tierOfRow(row);
      if (tier) sampled.set(tier, [...(sampled.get(tier) ?? []), row.id]);
    }
    const totalMs = performance.now() - started;

    if (reports.length) io.out(options.details ? renderGroupTable(reports) : renderBackendTable(reports));
    printProblems(io, reports, options.details);
    if (sampled.size) {
      io.out('\nsampled without --full (every group runs on every backend; --full runs every case):');
      for (const [tier, ids] of sampled) io.out(`  ${tier.name} (${ids.join(', ')}): ${tier.why}`);
    }
    const requiredMissing = requested ? unavailable : [];
    if (unavailable.length) {
      io.out(`\nnot available here${requested ? ' (requested, counted as failures)' : ''}:`);
      for (const r of unavailable) io.out(`  ${r.id}: ${firstLine(r.reason ?? 'unavailable', 400)}`);
    }
    const { passed, failed, skipped, worst } = totals(reports);
    const ok = failed === 0 && requiredMissing.length === 0 && reports.length > 0;
    io.out(
      `\n${ok ? 'OK' : 'FAILED'}: ${passed} passed, ${failed} failed, ${skipped} skipped on ${reports.length} backend(s)` +
        `${unavailable.length ? `, ${unavailable.length} not available` : ''}; worst error ${formatFraction(worst)} of the tolerance budget; ${formatDuration(totalMs)}`,
    );
    if (!reports.length) io.out('no backend could run; run `resblocks backends` to see why');
    if (!options.details && reports.length) io.out('(--details shows each group of cases)');

    if (options.json !== undefined) {
      const fields = {
        options: {
          backends: requested ?? 'all',
          networks: networks ?? 'default',
          referenceNetworks: referenceNets,
          full,
          groups: groups ?? 'all',
          maxBlockCases: maxBlockCases ?? null,
          randomCases,
          jobs: options.jobs,
          sampled: Object.fromEntries(
            [...sampled].map(([t, ids]) => [t.name, { backends: ids, why: t.why }]),
          ),
          seed,
        },
        ok,
        summary: { passed, failed, skipped, worstFraction: worst, durationMs: totalMs },
        unavailable: unavailable.map((r) => ({
          backend: r.id,
          reason: r.reason ?? null,
          requested: Boolean(requested),
        })),
        reports,
      };
      await writeJsonReport(io, options.json, fields, jsonNumbers);
    }
    return ok ? 0 : 1;
  },
});

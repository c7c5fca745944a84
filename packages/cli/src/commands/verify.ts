import { selectBackends } from '../adapters.js';
import { defineCommand } from '../command.js';
import { type ConformanceReport, loadConformance } from '../conformance.js';
import { firstLine, formatDuration, formatFraction } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { createProgress } from '../progress.js';
import {
  ABOUT,
  EXAMPLES,
  SOFTWARE_BLOCK_CASES,
  USAGE,
  VERIFY_OPTIONS,
  verifyOptions,
} from './verify/options.js';
import { plan } from './verify/plan.js';
import { jsonNumbers, printProblems, renderBackendTable, renderGroupTable, totals } from './verify/report.js';

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
    const reports: ConformanceReport[] = [];
    const sampled: string[] = [];
    const started = performance.now();
    try {
      for (const row of runnable) {
        const { adapter, backend } = row.probed;
        progress.label(`${row.id} loading fixtures`);
        // A software GPU (SwiftShader) is correct but ~100x slower: sample its block grid unless --full.
        const software = row.probed.availability.device === 'software';
        const blockLimit = maxBlockCases ?? (software && !full ? SOFTWARE_BLOCK_CASES : undefined);
        if (blockLimit !== maxBlockCases) sampled.push(row.id);
        const report = await conformance.runConformance(adapter, backend, {
          // Probed once, while resolving the names.
          availability: row.probed.availability,
          ...(networks ? { networks } : {}),
          ...(groups ? { groups } : {}),
          ...(blockLimit !== undefined ? { maxBlockCases: blockLimit } : {}),
          randomCases,
          seed,
          referenceNetworks: referenceNets,
          required: true,
          onPlan: (n) => progress.addTotal(n),
          onCase: (r) => progress.tick(`${row.id} ${r.id}`),
        });
        reports.push(report);
      }
    } finally {
      progress.stop();
    }
    const totalMs = performance.now() - started;

    if (reports.length) io.out(options.details ? renderGroupTable(reports) : renderBackendTable(reports));
    printProblems(io, reports);
    if (sampled.length) {
      io.out(
        `\nsoftware GPU, block fixtures sampled to ${SOFTWARE_BLOCK_CASES} cases (--full or --max-block-cases for more): ${sampled.join(', ')}`,
      );
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

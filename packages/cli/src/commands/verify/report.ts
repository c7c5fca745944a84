import { formatPercent } from '@resblocks/spec';
import type { CaseResult, ConformanceReport } from '../../conformance.js';
import { firstLine, formatDuration, formatFraction } from '../../format.js';
import type { Io } from '../../io.js';
import { renderTable } from '../../table.js';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  worst: number | null;
  durationMs: number;
}

/** The device when it is not the plain CPU: 'gpu' or 'software GPU'. */
function deviceNote(rep: ConformanceReport): string | undefined {
  const device = rep.info.device;
  if (typeof device !== 'string' || device === 'cpu') return undefined;
  return device === 'software' ? 'software GPU' : device;
}

/** The pass, fail, skip, worst and time cells of a row (zero counts left blank). */
function countCells(
  c: { passed: number; failed: number; skipped: number },
  worst: number | null,
  ms: number,
) {
  return [c.passed, c.failed || '', c.skipped || '', formatFraction(worst), formatDuration(ms)];
}

/** One row per backend: the default output. */
export function renderBackendTable(reports: readonly ConformanceReport[]): string {
  const rows = reports.map((rep) => {
    const s = rep.summary;
    const device = deviceNote(rep);
    return [
      device ? `${rep.backend} (${device})` : rep.backend,
      rep.cases.length,
      ...countCells(s, s.worstFraction, s.durationMs),
    ];
  });
  return renderTable(['backend', 'cases', 'pass', 'fail', 'skip', 'worst', 'time'], rows, {
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    compact: true,
  });
}

function groupRows(cases: readonly CaseResult[]): (Counts & { group: string })[] {
  const rows = new Map<string, Counts & { group: string }>();
  for (const c of cases) {
    let r = rows.get(c.group);
    if (!r) {
      r = { group: c.group, passed: 0, failed: 0, skipped: 0, worst: null, durationMs: 0 };
      rows.set(c.group, r);
    }
    if (c.status === 'pass') r.passed++;
    else if (c.status === 'fail') r.failed++;
    else r.skipped++;
    if (c.fraction !== null) r.worst = Math.max(r.worst ?? 0, c.fraction);
    r.durationMs += c.durationMs;
  }
  return [...rows.values()];
}

/** A row per group of cases of each backend, and its total (--details). */
export function renderGroupTable(reports: readonly ConformanceReport[]): string {
  const rows: (string | number)[][] = [];
  for (const rep of reports) {
    const device = deviceNote(rep);
    groupRows(rep.cases).forEach((g, i) => {
      rows.push([
        i === 0 ? rep.backend : i === 1 && device ? `(${device})` : '',
        g.group,
        ...countCells(g, g.worst, g.durationMs),
      ]);
    });
    const s = rep.summary;
    rows.push(['', 'total', ...countCells(s, s.worstFraction, s.durationMs)]);
  }
  return renderTable(['backend', 'group', 'pass', 'fail', 'skip', 'worst', 'time'], rows, {
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    compact: true,
  });
}

/** Counts over every backend. */
export function totals(reports: readonly ConformanceReport[]): Counts {
  return {
    passed: reports.reduce((s, r) => s + r.summary.passed, 0),
    failed: reports.reduce((s, r) => s + r.summary.failed, 0),
    skipped: reports.reduce((s, r) => s + r.summary.skipped, 0),
    worst: reports.reduce<number | null>(
      (w, r) => (r.summary.worstFraction === null ? w : Math.max(w ?? 0, r.summary.worstFraction)),
      null,
    ),
    durationMs: reports.reduce((s, r) => s + r.summary.durationMs, 0),
  };
}

/**
 * Failed cases (the first 30) and skip reasons (counted once each). With `details`, a failing
 * comparison also names its first node over budget (the suite traced the case again).
 */
export function printProblems(io: Io, reports: readonly ConformanceReport[], details = false): void {
  const failures = reports.flatMap((r) => r.cases.filter((c) => c.status === 'fail'));
  if (failures.length) {
    io.out(`\nfailures (${failures.length}):`);
    for (const f of failures.slice(0, 30)) {
      io.out(`  ${f.backend} ${f.id}: ${firstLine(f.message ?? 'failed', 400)}`);
      const d = f.divergence;
      if (details && d)
        io.out(
          `    first node over budget: ${d.module} (${d.op}, ${formatPercent(d.fraction)} of its budget)`,
        );
    }
    if (failures.length > 30) io.out(`  ... and ${failures.length - 30} more (see --json)`);
  }
  const skips = new Map<string, number>();
  for (const r of reports) {
    for (const c of r.cases) {
      if (c.status !== 'skip') continue;
      const key = `${r.backend}: ${firstLine(c.message ?? 'skipped', 200)}`;
      skips.set(key, (skips.get(key) ?? 0) + 1);
    }
  }
  if (skips.size) {
    io.out('\nskipped:');
    for (const [k, n] of skips) io.out(`  ${k} (${n} case${n === 1 ? '' : 's'})`);
  }
}

/** JSON has no Infinity: write it as a string so a non-finite mismatch stays visible. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

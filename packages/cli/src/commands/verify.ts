import { type Graph, minInputSize, NETWORK_NAMES, networkGraph } from '@resblocks/spec';
import { type BackendRow, resolveBackends } from '../adapters.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import { usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import {
  type CaseResult,
  type ConformanceReport,
  fixtureNetworks,
  loadConformance,
  type ReferenceNetwork,
} from '../conformance.js';
import { writeOutputFile } from '../files.js';
import { firstLine, formatDuration, formatFraction } from '../format.js';
import type { Io } from '../io.js';
import { describeMachine, machineInfo } from '../machine.js';
import { createProgress, type Progress } from '../progress.js';
import { renderTable } from '../table.js';
import { VERSION } from '../version.js';

/** Full-size networks `--full` checks at 224x224 against the float64 reference. */
export const FULL_NETWORKS = ['resnet18', 'resnet50', 'resnext50_32x4d'] as const;
export const FULL_SIZE = 224;
/** Block fixtures per software-rendered GPU backend without --full (evenly sampled over the grid). */
export const SOFTWARE_BLOCK_CASES = 24;

const HELP = `Usage: resblocks verify [--models a,b] [--backends x,y] [--full] [--json FILE]

Checks every backend against the spec: the PyTorch-checked fixture cases of every block
contract, small whole networks, seeded random blocks and networks compared with the float64
reference, and the contract's behaviour (determinism, concurrency, NaN/Inf, error codes,
resource counters, backend identity). Every numeric comparison uses the spec's tolerance
policy; "worst" is the largest error as a percentage of the allowed budget (100% fails).

By default every backend of every installed adapter is probed; those that cannot run here
are listed with the reason and not counted as failures. On a software-rendered GPU
(SwiftShader), correct but very slow, the block fixtures are evenly sampled to
${SOFTWARE_BLOCK_CASES} cases unless --full or --max-block-cases is given. A backend named
with --backends that cannot run here is a failure. Exits 1 when any case fails.

Options:
  --backends x,y        backends to check: adapter:backend (tfjs:wasm) or an adapter id for
                        all of its backends (tfjs). Default: all.
  --models a,b          networks to check instead of the default small ones (resnet8_cifar,
                        resnet20_cifar), on their PyTorch fixtures (small inputs such as
                        48x48); a network without fixtures is compared with the float64
                        reference on seeded weights at 32x32 (CIFAR) or 64x64 input
  --full                every network fixture, plus full-size networks at 224x224 against the
                        float64 reference: ${FULL_NETWORKS.join(', ')}, or the --models given.
                        The reference output is computed once per network and shared by all
                        backends (~10-30 s each on a laptop core); slow by design
  --groups g,h          only these block fixture groups
  --max-block-cases N   evenly subsample the block fixtures to at most N cases per backend
  --random N            seeded random configurations per backend (default 8; 32 with --full)
  --seed S              seed of the random configurations (default 1)
  --json FILE           write the reports (every case, per backend) as JSON
  --verbose             print stack traces on errors
  -h, --help            show this help

Examples:
  resblocks verify
  resblocks verify --backends reference:float64,tfjs:cpu --models resnet8_cifar
  resblocks verify --backends onnx-web --full --json verify.json
`;

function referenceSize(graph: Graph, full: boolean): number {
  if (full) return FULL_SIZE;
  const cifar = graph.nodes.filter((n) => n.op === 'maxpool').length === 0;
  return Math.max(cifar ? 32 : 64, minInputSize(graph));
}

interface GroupRow {
  group: string;
  passed: number;
  failed: number;
  skipped: number;
  worst: number | null;
  durationMs: number;
}

function groupRows(cases: readonly CaseResult[]): GroupRow[] {
  const rows = new Map<string, GroupRow>();
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

export function renderVerifyTable(reports: readonly ConformanceReport[]): string {
  const rows: (string | number)[][] = [];
  for (const rep of reports) {
    const device = typeof rep.info.device === 'string' ? rep.info.device : undefined;
    groupRows(rep.cases).forEach((g, i) => {
      rows.push([
        i === 0
          ? rep.backend
          : i === 1 && device
            ? `(${device === 'software' ? 'software GPU' : device})`
            : '',
        g.group,
        g.passed,
        g.failed || '',
        g.skipped || '',
        formatFraction(g.worst),
        formatDuration(g.durationMs),
      ]);
    });
    const s = rep.summary;
    rows.push([
      '',
      'total',
      s.passed,
      s.failed || '',
      s.skipped || '',
      formatFraction(s.worstFraction),
      formatDuration(s.durationMs),
    ]);
  }
  return renderTable(['backend', 'group', 'pass', 'fail', 'skip', 'worst', 'time'], rows, {
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    compact: true,
  });
}

async function plan(values: { models?: string; full?: boolean }): Promise<{
  networks: string[] | undefined;
  referenceNets: ReferenceNetwork[];
}> {
  const models = listOption(values.models);
  const full = Boolean(values.full);
  for (const m of models ?? []) {
    if (!NETWORK_NAMES.includes(m)) {
      throw usageError(
        `unknown model '${m}'; known models: ${NETWORK_NAMES.join(', ')}`,
        'Pick models from the list',
      );
    }
  }
  const withFixtures = await fixtureNetworks();
  let networks: string[] | undefined;
  const refNames: string[] = [];
  if (models) {
    networks = models.filter((m) => withFixtures.includes(m));
    // Without fixtures a model is still checked, against the float64 reference; --full adds 224x224.
    refNames.push(...models.filter((m) => full || !withFixtures.includes(m)));
  } else if (full) {
    networks = withFixtures;
    refNames.push(...FULL_NETWORKS);
  }
  const referenceNets = [...new Set(refNames)].map((name) => ({
    name,
    size: referenceSize(networkGraph(name), full),
  }));
  return { networks, referenceNets };
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every backend against the spec fixtures and the float64 reference',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('verify', argv, {
      models: { type: 'string' },
      backends: { type: 'string' },
      full: { type: 'boolean' },
      groups: { type: 'string' },
      'max-block-cases': { type: 'string' },
      random: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
    });
    const full = Boolean(values.full);
    const randomCases = intOption('verify', 'random', values.random, full ? 32 : 8, 0, 10_000);
    const seed = intOption('verify', 'seed', values.seed, 1, 0, 2 ** 31 - 1);
    const maxBlockCases =
      values['max-block-cases'] === undefined
        ? undefined
        : intOption('verify', 'max-block-cases', values['max-block-cases'], 0, 0);
    const groups = listOption(values.groups);
    const requested = listOption(values.backends);
    const rows = await resolveBackends(requested);
    const { networks, referenceNets } = await plan(values);
    const conformance = await loadConformance();
    const runnable = rows.filter((r): r is BackendRow & { probed: NonNullable<BackendRow['probed']> } =>
      Boolean(r.probed && !r.reason),
    );
    const unavailable = rows.filter((r) => r.reason);

    const progress: Progress = createProgress(io, 'verify');
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

    if (reports.length) io.out(renderVerifyTable(reports));
    printDetails(io, reports);
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
    const passed = reports.reduce((s, r) => s + r.summary.passed, 0);
    const failed = reports.reduce((s, r) => s + r.summary.failed, 0);
    const skipped = reports.reduce((s, r) => s + r.summary.skipped, 0);
    const worst = reports.reduce<number | null>(
      (w, r) => (r.summary.worstFraction === null ? w : Math.max(w ?? 0, r.summary.worstFraction)),
      null,
    );
    const ok = failed === 0 && requiredMissing.length === 0 && reports.length > 0;
    io.out(
      `\n${ok ? 'OK' : 'FAILED'}: ${passed} passed, ${failed} failed, ${skipped} skipped on ${reports.length} backend(s)` +
        `${unavailable.length ? `, ${unavailable.length} not available` : ''}; worst error ${formatFraction(worst)} of the tolerance budget; ${formatDuration(totalMs)}`,
    );
    if (!reports.length) io.out('no backend could run; run `resblocks backends` to see why');

    if (values.json !== undefined) {
      const doc = {
        tool: `resblocks ${VERSION}`,
        createdAt: new Date().toISOString(),
        machine: { ...machineInfo(), description: describeMachine() },
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
      await writeOutputFile(values.json, `${JSON.stringify(doc, jsonNumbers, 2)}\n`, 'JSON report');
      io.out(`wrote ${values.json}`);
    }
    return ok ? 0 : 1;
  },
};

/** JSON has no Infinity: write it as a string so a non-finite mismatch stays visible. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function printDetails(io: Io, reports: readonly ConformanceReport[]): void {
  const failures = reports.flatMap((r) => r.cases.filter((c) => c.status === 'fail'));
  if (failures.length) {
    io.out(`\nfailures (${failures.length}):`);
    for (const f of failures.slice(0, 30))
      io.out(`  ${f.backend} ${f.id}: ${firstLine(f.message ?? 'failed', 400)}`);
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

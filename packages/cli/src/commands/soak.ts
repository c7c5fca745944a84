import { initWeights, minInputSize, seededInput } from '@resblocks/spec';
import { type BackendRow, resolveBackends } from '../adapters.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { writeOutputFile } from '../files.js';
import { firstLine } from '../format.js';
import { describeMachine, machineInfo } from '../machine.js';
import { modelGraph } from '../model-files.js';
import { createProgress } from '../progress.js';
import { type PhaseReport, SOAK_TOLERANCES, soak, WARMUP_FRACTION } from '../soak.js';
import { renderTable } from '../table.js';
import { VERSION } from '../version.js';

const HELP = `Usage: resblocks soak [--backend ID[,ID...]] [--runs N] [--cycles N] [--model NAME]
                      [--size S] [--batch N] [--samples N] [--warmup P] [--json FILE]

Long-use check. Per backend: one compiled model is run --runs times, then --cycles models
are compiled, run once and disposed. After each step (at most --samples times per phase) the
garbage collector runs and the process RSS, the JS heap and the engine's own counters
(tensors, buffers, sessions, kernels, models: adapter.resources) are recorded. After a warm-up
of the first ${WARMUP_FRACTION * 100}% of the steps each series is fitted with a least-squares line, and the
check fails when one grows beyond its tolerance:

  RSS    ${tol('rss')}
  heap   ${tol('heap')}
         (the same for the ArrayBuffers JS holds outside the heap)
  engine counters: no net growth after the warm-up

Options:
  --backend ID[,ID]   adapter:backend ids (default: every backend that can run here)
  --runs N            runs of one model (default 1000; 200 on a software-rendered GPU)
  --cycles N          compile/run/dispose cycles (default 100; 20 on a software-rendered GPU)
  --model NAME        network (default resnet8_cifar, small so a run takes milliseconds)
  --size S            input height and width (default 32)
  --batch N           batch size (default 1)
  --samples N         samples per phase at most (default 200; each costs a full GC)
  --warmup P          percent of each phase's steps left out of the fit (default ${WARMUP_FRACTION * 100})
  --json FILE         write every sample and slope as JSON
  --verbose           print stack traces on errors
  -h, --help          show this help

Exit code 1 when a series grows beyond its tolerance or a backend fails.

Example:
  resblocks soak --backend tfjs:wasm --runs 1000 --cycles 100 --json soak.json
`;

function tol(kind: 'rss' | 'heap'): string {
  const t = SOAK_TOLERANCES[kind];
  const f = (b: number) => (b >= 2 ** 20 ? `${b / 2 ** 20} MiB` : `${b / 1024} KiB`);
  return `at most ${f(t.runs.perStepBytes)} per run or ${f(t.runs.totalBytes)} in all; ${f(t.cycles.perStepBytes)} per cycle or ${f(t.cycles.totalBytes)} in all`;
}

interface BackendReport {
  backend: string;
  device: string | null;
  phases: PhaseReport[];
  error?: string;
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const kib = (b: number) => (b / 1024).toFixed(1);

function counterText(p: PhaseReport): string {
  const counters = p.series.filter((s) => s.unit === 'count');
  if (!counters.length) return '-';
  return counters.map((s) => `${s.name} ${s.start}->${s.end} (${s.slope.toFixed(3)})`).join(', ');
}

export const soakCommand: Command = {
  name: 'soak',
  summary: 'run and recompile a model many times, checking memory and engine counters stay flat',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('soak', argv, {
      backend: { type: 'string' },
      runs: { type: 'string' },
      cycles: { type: 'string' },
      model: { type: 'string' },
      size: { type: 'string' },
      batch: { type: 'string' },
      samples: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'string' },
    });
    const name = values.model ?? 'resnet8_cifar';
    const graph = modelGraph(name);
    const size = intOption('soak', 'size', values.size, 32, 1, 4096);
    if (size < minInputSize(graph))
      throw usageError(
        `--size ${size} is too small for ${name} (minimum ${minInputSize(graph)})`,
        'Pass a larger --size',
      );
    const batch = intOption('soak', 'batch', values.batch, 1, 1, 1024);
    const samples = intOption('soak', 'samples', values.samples, 200, 2, 100_000);
    const warmupPercent = intOption('soak', 'warmup', values.warmup, WARMUP_FRACTION * 100, 0, 90);
    const requested = listOption(values.backend);
    const rows = await resolveBackends(requested);
    const runnable = rows.filter((r): r is BackendRow & { probed: NonNullable<BackendRow['probed']> } =>
      Boolean(r.probed && !r.reason),
    );
    const unavailable = rows.filter((r) => r.reason);
    if (requested && unavailable.length) {
      throw new CliError(
        `cannot soak ${unavailable.map((r) => `${r.id} (${firstLine(r.reason ?? '', 200)})`).join(', ')}`,
        'Run `resblocks backends` to see which backends can run here',
      );
    }
    const weights = initWeights(graph, 0);
    const input = seededInput([batch, graph.inChannels, size, size], 1);
    const progress = createProgress(io, 'soak');
    const reports: BackendReport[] = [];
    try {
      for (const row of runnable) {
        const device = row.probed.availability.device ?? null;
        const software = device === 'software';
        const runs = intOption('soak', 'runs', values.runs, software ? 200 : 1000, 0, 10_000_000);
        const cycles = intOption('soak', 'cycles', values.cycles, software ? 20 : 100, 0, 1_000_000);
        io.err(`soak ${row.id}: ${runs} runs, then ${cycles} compile/run/dispose cycles`);
        progress.addTotal(runs + cycles);
        try {
          const phases = await soak(row.probed.adapter, row.probed.backend, graph, weights, {
            input,
            runs,
            cycles,
            maxSamples: samples,
            warmupFraction: warmupPercent / 100,
            onStep: (phase, i, n) => progress.tick(`${row.id} ${phase} ${i}/${n}`),
          });
          reports.push({ backend: row.id, device, phases });
        } catch (e) {
          reports.push({
            backend: row.id,
            device,
            phases: [],
            error: firstLine((e as Error)?.message ?? String(e), 300),
          });
        }
      }
    } finally {
      progress.stop();
    }

    io.out(`${name} at ${size}x${size}, batch ${batch}; ${describeMachine()}`);
    io.out(
      renderTable(
        [
          'backend',
          'phase',
          'steps',
          's',
          'RSS MiB start->end',
          'RSS KiB/step',
          'heap MiB start->end',
          'heap KiB/step',
          'ArrayBuffers KiB/step',
          'engine counters start->end (slope)',
          'verdict',
        ],
        reports.flatMap((r) =>
          r.error
            ? [[r.backend, '-', '-', '-', '-', '-', '-', '-', '-', '-', `failed: ${r.error}`]]
            : r.phases.map((p) => {
                const rss = p.series.find((s) => s.name === 'rss');
                const heap = p.series.find((s) => s.name === 'heap');
                const buffers = p.series.find((s) => s.name === 'arrayBuffers');
                return [
                  r.backend,
                  p.phase,
                  p.steps,
                  p.seconds,
                  rss ? `${mib(rss.start)} -> ${mib(rss.end)}` : '-',
                  rss ? kib(rss.slope) : '-',
                  heap ? `${mib(heap.start)} -> ${mib(heap.end)}` : '-',
                  heap ? kib(heap.slope) : '-',
                  buffers ? kib(buffers.slope) : '-',
                  counterText(p),
                  p.ok ? 'flat' : 'GROWS',
                ];
              }),
        ),
        {
          align: [
            'left',
            'left',
            'right',
            'right',
            'right',
            'right',
            'right',
            'right',
            'right',
            'left',
            'left',
          ],
          compact: true,
        },
      ),
    );
    for (const r of reports) {
      for (const p of r.phases)
        for (const s of p.series) if (s.problem) io.out(`${r.backend} ${p.phase}: ${s.problem}`);
      if (r.error) io.out(`failed: ${r.backend}: ${r.error}`);
    }
    if (!requested)
      for (const r of unavailable) io.out(`not available here: ${r.id}: ${firstLine(r.reason ?? '', 300)}`);
    if (!runnable.length) io.out('no backend could run; run `resblocks backends` to see why');
    const ok = runnable.length > 0 && reports.every((r) => !r.error && r.phases.every((p) => p.ok));
    if (values.json !== undefined) {
      const doc = {
        tool: `resblocks ${VERSION}`,
        createdAt: new Date().toISOString(),
        machine: { ...machineInfo(), description: describeMachine() },
        model: name,
        size,
        batch,
        warmupFraction: warmupPercent / 100,
        tolerances: SOAK_TOLERANCES,
        ok,
        backends: reports,
      };
      await writeOutputFile(values.json, `${JSON.stringify(doc, null, 2)}\n`, 'JSON report');
      io.out(`wrote ${values.json}`);
    }
    return ok ? 0 : 1;
  },
};

import { initWeights, seededInput } from '@resblocks/spec';
import { selectBackends } from '../adapters.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { firstLine } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { describeMachine } from '../machine.js';
import { inputSize, modelGraph } from '../model-files.js';
import { createProgress } from '../progress.js';
import { SHARED } from '../shared-options.js';
import { type PhaseReport, SOAK_TOLERANCES, soak, WARMUP_FRACTION } from '../soak.js';
import { renderTable } from '../table.js';

const OPTIONS = {
  backend: {
    ...SHARED.backends,
    placeholder: 'ID[,ID]',
    help: 'adapter:backend ids',
    defaultText: 'every backend that can run here',
  },
  runs: {
    type: 'int',
    min: 0,
    max: 10_000_000,
    help: 'runs of one model',
    defaultText: '1000, or 200 on a software-rendered GPU',
  },
  cycles: {
    type: 'int',
    min: 0,
    max: 1_000_000,
    help: 'compile/run/dispose cycles',
    defaultText: '100, or 20 on a software-rendered GPU',
  },
  model: {
    ...SHARED.model,
    default: 'resnet8_cifar',
    help: 'network, small by default so a run takes milliseconds',
  },
  size: { type: 'int', min: 1, max: 4096, placeholder: 'S', default: 32, help: 'input height and width' },
  batch: { type: 'int', min: 1, max: 1024, default: 1, help: 'batch size' },
  samples: {
    type: 'int',
    min: 2,
    max: 100_000,
    default: 200,
    help: 'samples per phase at most; each costs a full GC',
  },
  warmup: {
    type: 'int',
    min: 0,
    max: 90,
    placeholder: 'P',
    default: WARMUP_FRACTION * 100,
    help: "percent of each phase's steps left out of the fit",
  },
  json: { ...SHARED.json, help: 'write every sample and slope as JSON' },
} as const;

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

export const soakCommand = defineCommand({
  name: 'soak',
  summary: 'run and recompile a model many times, checking memory and engine counters stay flat',
  usage: `resblocks soak [--backend ID[,ID...]] [--runs N] [--cycles N] [--model NAME]
                      [--size S] [--batch N] [--samples N] [--warmup P] [--json FILE]`,
  about: `Long-use check. Per backend: one compiled model is run --runs times, then --cycles models
are compiled, run once and disposed. After each step (at most --samples times per phase) the
garbage collector runs and the process RSS, the JS heap and the engine's own counters
(tensors, buffers, sessions, kernels, models: adapter.resources) are recorded. After a warm-up
of the first ${WARMUP_FRACTION * 100}% of the steps each series is fitted with a least-squares line, and the
check fails when one grows beyond its tolerance:

  RSS    ${tol('rss')}
  heap   ${tol('heap')}
         (the same for the ArrayBuffers JS holds outside the heap)
  engine counters: no net growth after the warm-up`,
  after: 'Exit code 1 when a series grows beyond its tolerance or a backend fails.',
  examples: ['resblocks soak --backend tfjs:wasm --runs 1000 --cycles 100 --json soak.json'],
  options: OPTIONS,
  async run({ values }, io) {
    const { model: name, batch, samples, warmup: warmupPercent } = values;
    const graph = modelGraph(name);
    const size = inputSize(name, graph, values.size);
    const requested = values.backend;
    const { runnable, unavailable } = await selectBackends(requested);
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
        const runs = values.runs ?? (software ? 200 : 1000);
        const cycles = values.cycles ?? (software ? 20 : 100);
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
      await writeJsonReport(io, values.json, {
        model: name,
        size,
        batch,
        warmupFraction: warmupPercent / 100,
        tolerances: SOAK_TOLERANCES,
        ok,
        backends: reports,
      });
    }
    return ok ? 0 : 1;
  },
});

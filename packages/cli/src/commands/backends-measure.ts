import type { MeasuredChoice, MeasureProgress } from '@resblocks/conformance';
import { type BackendId, parseBackendId } from '@resblocks/spec';
import { loadAdapters, usable } from '../adapters.js';
import { usageError } from '../cli-error.js';
import { loadConformance } from '../conformance.js';
import { firstLine, formatDuration, formatMs } from '../format.js';
import type { Io } from '../io.js';
import { inputSize, modelGraph } from '../model-files.js';
import { createProgress } from '../progress.js';
import { renderTable } from '../table.js';
import type { BackendsValues } from './backends.js';

/** Progress on stderr: a bar on a terminal, otherwise one line per step. */
function progressReporter(io: Io): { report(p: MeasureProgress): void; stop(): void } {
  const bar = createProgress(io, 'measure');
  if (!io.errIsTTY) return { report: (p) => io.err(`measure: ${p.message}`), stop() {} };
  let total = 0;
  let done = 0;
  return {
    report(p) {
      if (p.total > total) {
        bar.addTotal(p.total - total);
        total = p.total;
      }
      while (done < p.done) {
        done++;
        bar.tick(p.message);
      }
      bar.label(p.message);
    },
    stop: () => bar.stop(),
  };
}

export function renderMeasuredTable(c: MeasuredChoice): string {
  const num = (v: number | null) => (v === null ? '-' : formatMs(v));
  return renderTable(
    ['backend', 'device', 'verified', 'compile ms', 'median ms', 'runs', 'why not chosen'],
    c.rows.map((r) => [
      `${r.backend}${r.chosen ? ' *' : ''}`,
      r.device ?? '-',
      r.verified === null ? '-' : r.verified ? 'yes' : 'NO',
      num(r.compileMs),
      r.medianMs === null && r.estimateMs !== null ? `~${formatMs(r.estimateMs)}` : num(r.medianMs),
      r.runs,
      r.chosen ? 'chosen: fastest verified' : firstLine(r.reason ?? '', 300),
    ]),
    { align: ['left', 'left', 'left', 'right', 'right', 'right', 'left'], wrap: { 6: 60 } },
  );
}

/** `resblocks backends --measure`: verify and time every backend, choose the fastest verified. */
export async function measureBackends(values: BackendsValues, io: Io): Promise<number> {
  const { model, batch, exclude } = values;
  const graph = modelGraph(model);
  const size = inputSize(model, graph, values.size);
  const malformed = exclude.find((id) => !parseBackendId(id));
  if (malformed)
    throw usageError(
      `--exclude '${malformed}' is not of the form adapter:backend`,
      'e.g. --exclude tfjs:cpu,gpujs:cpu',
    );
  const loaded = await loadAdapters();
  const { chooseBackend } = await loadConformance();
  const progress = progressReporter(io);
  const started = performance.now();
  let choice: MeasuredChoice;
  try {
    choice = await chooseBackend(usable(loaded), {
      measure: { model, size, batch },
      fresh: values.fresh,
      includeSoftware: values['include-software'],
      exclude: exclude as BackendId[],
      onProgress: (p: MeasureProgress) => progress.report(p),
    });
  } finally {
    progress.stop();
  }
  const ms = performance.now() - started;
  const notLoaded = loaded.filter((l) => !l.adapter);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ...choice,
          chosen: choice.chosen.id,
          notLoaded: notLoaded.map((l) => ({ adapter: l.id, reason: 'reason' in l ? l.reason : null })),
          durationMs: ms,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(renderMeasuredTable(choice));
  for (const l of notLoaded) io.out(`${l.id}: not loaded: ${'reason' in l ? l.reason : ''}`);
  const row = choice.rows.find((r) => r.chosen)!;
  io.out(
    `chosen here: ${choice.chosen.id} (* above): median ${formatMs(row.medianMs ?? 0)} ms for ${model} ` +
      `${size}x${size}, batch ${batch}, fastest of the backends that passed verification`,
  );
  io.out(
    `cache: ${choice.cacheNote}; ${formatDuration(ms)}${choice.fromCache ? ' (--fresh measures again)' : ''}`,
  );
  return 0;
}

import {
  type BackendId,
  compareTrace,
  formatPercent,
  formatShape,
  type Graph,
  type ProbedBackend,
  referenceActivations,
  type Tensor,
  type TraceComparison,
  type TracedRun,
  traceOnBackend,
  type Weights,
} from '@resblocks/spec';

/** What the trace section showed, as window.traceResult for the browser test. */
export interface TraceResult {
  network: string;
  backends: [BackendId, BackendId];
  rows: { module: string; op: string; shape: number[]; fractions: (number | null)[]; maxAbsDiff: number }[];
  /** Each backend's first node over budget against the reference (null: none). */
  firstOver: (string | null)[];
  verdicts: string[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function cell(row: HTMLTableRowElement, text: string, cls?: string): void {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
}

/** The two backends in the selects: the chosen one and the first other, or ?trace=a,b. */
export function fillTraceSelects(probed: readonly ProbedBackend[], chosen: BackendId, pair?: string[]): void {
  const [a, b] = pair ?? [chosen, probed.find((p) => p.id !== chosen)?.id ?? chosen];
  for (const [id, pick] of [
    ['trace-a', a],
    ['trace-b', b],
  ] as const) {
    const select = $<HTMLSelectElement>(id);
    select.replaceChildren(...probed.map((p) => new Option(p.id, p.id, false, p.id === pick)));
  }
}

/**
 * Traces every node of the network on the two chosen backends and shows one row per node: each
 * backend's error against the float64 reference as a share of that node's budget, the first node
 * over budget marked, and how far the two backends are apart.
 */
export async function traceTwo(
  probed: readonly ProbedBackend[],
  net: { graph: Graph; weights: Weights },
  input: Tensor,
  status: (text: string) => void,
): Promise<TraceResult> {
  const ids = [$<HTMLSelectElement>('trace-a').value, $<HTMLSelectElement>('trace-b').value];
  const pair = ids.map((id) => probed.find((p) => p.id === id)!);
  status('computing the float64 reference…');
  const reference = referenceActivations(net.graph, net.weights, input);
  const comparisons: TraceComparison[] = [];
  const runs: TracedRun[] = [];
  for (const p of pair) {
    status(`tracing ${p.id}…`);
    const run = await traceOnBackend(p.adapter, p.backend, net.graph, net.weights, input);
    runs.push(run);
    comparisons.push(
      compareTrace(run.trace, reference, {
        graph: net.graph,
        dtype: run.dtype,
        backend: p.id,
        against: 'reference:float64',
      }),
    );
  }
  // Both ran the same graph (the same folding), so their rows line up; the reference's do by name.
  const [ca, cb] = comparisons as [TraceComparison, TraceComparison];
  const other = new Map(runs[1]!.trace.map((v) => [v.module, v.data]));
  const body = $<HTMLTableElement>('trace-table').tBodies[0]!;
  body.replaceChildren();
  const rows: TraceResult['rows'] = [];
  ca.rows.forEach((r, i) => {
    const rb = cb.rows.find((x) => x.module === r.module);
    const a = runs[0]!.trace[i]!.data;
    const b = other.get(r.module);
    const maxAbsDiff = b ? a.reduce((w, v, k) => Math.max(w, Math.abs(v - b[k]!)), 0) : Number.NaN;
    rows.push({
      module: r.module,
      op: r.op,
      shape: [...r.shape],
      fractions: [r.fraction, rb?.fraction ?? null],
      maxAbsDiff,
    });
    const row = body.insertRow();
    cell(row, String(i + 1), 'num');
    cell(row, r.module);
    cell(row, r.folded ? `${r.op}+bn` : r.op);
    cell(row, formatShape(r.shape));
    const notes: string[] = [];
    for (const [c, x] of [
      [ca, r],
      [cb, rb],
    ] as const) {
      cell(row, formatPercent(x?.fraction ?? null), `num${x?.over ? ' bad' : ''}`);
      if (x && c.firstOver === x) notes.push(`← first over budget on ${c.backend}`);
    }
    cell(row, Number.isNaN(maxAbsDiff) ? '—' : maxAbsDiff.toExponential(1), 'num');
    cell(row, notes.join('; '), 'bad');
  });
  const verdicts = comparisons.map((c) => c.verdict);
  $('trace-verdict').textContent = verdicts.join(' · ');
  $('trace-head-a').textContent = `${pair[0]!.id} vs reference`;
  $('trace-head-b').textContent = `${pair[1]!.id} vs reference`;
  return {
    network: net.graph.name,
    backends: [pair[0]!.id, pair[1]!.id],
    rows,
    firstOver: comparisons.map((c) => c.firstOver?.module ?? null),
    verdicts,
  };
}

import type { Trace, TracedValue } from '../adapter/contract.js';
import { formatShape } from '../errors.js';
import type { Graph, OpType } from '../ir/ir.js';
import { moduleNames } from '../ir/module-names.js';
import { traceReference } from '../reference/reference.js';
import { compareTensors, type Dtype, type ErrorModel, nodeErrorModels } from '../reference/tolerance.js';
import { shapesEqual, type Tensor, type Tensor64 } from '../tensor.js';
import type { Weights } from '../weights/weights.js';

/** Values to compare a trace with, by torchvision module name. */
export type ExpectedValues = ReadonlyMap<string, Tensor | Tensor64>;

/** One traced value against its expected value, judged on the budget of its own depth. */
export interface TraceRow {
  readonly node: string;
  readonly module: string;
  readonly op: OpType;
  readonly shape: readonly number[];
  readonly folded?: string;
  /** K and D at this node: the tolerance policy at this depth. */
  readonly model: ErrorModel;
  /** null where there is nothing to compare with (the expected side lacks this value). */
  readonly maxAbsError: number | null;
  readonly budget: number | null;
  /** maxAbsError / budget; Infinity for a shape or NaN/Inf mismatch. */
  readonly fraction: number | null;
  readonly over: boolean;
}

export interface TraceComparison {
  readonly backend: string;
  /** What the trace was compared with: `reference:float64`, `PyTorch`, another backend. */
  readonly against: string;
  readonly dtype: Dtype;
  readonly rows: readonly TraceRow[];
  /** The first node over its budget in execution order: where the backend diverges. */
  readonly firstOver?: TraceRow;
  /** How many nodes are over budget. */
  readonly overCount: number;
  /** The compared node with the largest fraction of its budget. */
  readonly worst?: TraceRow;
  /** One line naming the first node over budget, or saying every node is in budget. */
  readonly verdict: string;
}

/** `3.2%`, `512%`, `4.1e+6%`: a fraction of a budget as people read it. */
export function formatPercent(fraction: number | null): string {
  if (fraction === null) return '—';
  if (!Number.isFinite(fraction)) return 'non-finite';
  const p = fraction * 100;
  if (p >= 1e5) return `${p.toExponential(1)}%`;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

function describeNode(r: TraceRow): string {
  return r.folded ? `${r.module}, ${r.op} with ${r.folded} folded in` : `${r.module}, ${r.op}`;
}

/**
 * Compares each traced value with the expected value of the same module name, on the tolerance
 * policy at that node's depth (nodeErrorModels of `graph`, the graph as compiled), and names the
 * first node over budget: with the layers before it in budget, that is where the backend goes wrong.
 */
export function compareTrace(
  trace: Trace,
  expected: ExpectedValues,
  options: { graph: Graph; dtype: Dtype; backend: string; against: string },
): TraceComparison {
  const models = nodeErrorModels(options.graph);
  const rows = trace.map((v): TraceRow => {
    const model = models.get(v.node) ?? { accumulation: 1, depth: 1 };
    const base = {
      node: v.node,
      module: v.module,
      op: v.op,
      shape: v.shape,
      ...(v.folded ? { folded: v.folded } : {}),
      model,
    };
    const e = expected.get(v.module);
    if (!e) return { ...base, maxAbsError: null, budget: null, fraction: null, over: false };
    if (!shapesEqual(e.shape, v.shape) || e.data.length !== v.data.length) {
      return {
        ...base,
        maxAbsError: Number.POSITIVE_INFINITY,
        budget: null,
        fraction: Number.POSITIVE_INFINITY,
        over: true,
      };
    }
    const c = compareTensors(v.data, e.data, options.dtype, model);
    return { ...base, maxAbsError: c.maxAbsError, budget: c.budget, fraction: c.fraction, over: !c.pass };
  });
  const compared = rows.filter((r) => r.fraction !== null);
  const firstOver = rows.find((r) => r.over);
  const overCount = rows.filter((r) => r.over).length;
  const worst = compared.reduce<TraceRow | undefined>(
    (w, r) => (!w || r.fraction! > w.fraction! ? r : w),
    undefined,
  );
  const skipped = rows.length - compared.length;
  const notCompared = skipped ? ` (${skipped} not compared: ${options.against} has no such value)` : '';
  let verdict: string;
  if (firstOver) {
    const err = Number.isFinite(firstOver.maxAbsError!)
      ? `max |err| ${firstOver.maxAbsError!.toExponential(2)} is ${formatPercent(firstOver.fraction)} of its budget`
      : firstOver.budget === null
        ? `shape ${formatShape(firstOver.shape)} differs`
        : 'NaN/Inf at other places';
    verdict = `${options.backend} diverges from ${options.against} at ${describeNode(firstOver)}: ${err}; ${overCount} of ${compared.length} nodes over budget${notCompared}`;
  } else if (worst) {
    verdict = `${options.backend} agrees with ${options.against} at all ${compared.length} nodes; worst ${formatPercent(worst.fraction)} of budget at ${worst.module}${notCompared}`;
  } else {
    verdict = `${options.backend}: nothing compared with ${options.against}${notCompared}`;
  }
  return {
    backend: options.backend,
    against: options.against,
    dtype: options.dtype,
    rows,
    ...(firstOver ? { firstOver } : {}),
    overCount,
    ...(worst ? { worst } : {}),
    verdict,
  };
}

/**
 * Values by module name as a trace of `graph` (in its node order, float32 as a backend returns
 * them): to compare the reference, or PyTorch, with another set of values.
 */
export function traceFromValues(graph: Graph, values: ExpectedValues): Trace {
  const names = moduleNames(graph);
  const out: TracedValue[] = [];
  for (const n of graph.nodes) {
    const module = names.get(n.name) ?? n.name;
    const v = values.get(module);
    if (v) out.push({ node: n.name, module, op: n.op, shape: [...v.shape], data: Float32Array.from(v.data) });
  }
  return out;
}

/** The float64 reference's value of every node, by module name: what compareTrace compares with. */
export function referenceActivations(
  graph: Graph,
  weights: Weights,
  input: Tensor | Tensor64,
): Map<string, Tensor64> {
  const names = moduleNames(graph);
  const values = traceReference(graph, weights, input);
  return new Map([...values].map(([node, t]) => [names.get(node) ?? node, t]));
}

import type { Adapter, BackendId, Trace, TraceSelection } from '../adapter/contract.js';
import type { Graph } from '../ir/ir.js';
import type { Dtype } from '../reference/tolerance.js';
import type { Tensor } from '../tensor.js';
import type { Weights } from '../weights/weights.js';

export interface TracedRun {
  readonly backend: BackendId;
  readonly dtype: Dtype;
  readonly output: Tensor;
  readonly trace: Trace;
  readonly info: Readonly<Record<string, unknown>>;
}

/**
 * Compiles a graph traced on one backend, runs it once and disposes it: the output and every
 * traced value (all nodes unless `trace` names some), for compareTrace.
 */
export async function traceOnBackend(
  adapter: Adapter,
  backend: string,
  graph: Graph,
  weights: Weights,
  input: Tensor,
  options: { trace?: TraceSelection; compile?: Readonly<Record<string, unknown>> } = {},
): Promise<TracedRun> {
  const model = await adapter.compile(graph, weights, {
    ...options.compile,
    backend,
    trace: options.trace ?? true,
  });
  try {
    const { trace = [], ...output } = await model.run(input);
    return { backend: model.backend, dtype: adapter.dtype(backend), output, trace, info: model.info() };
  } finally {
    await model.dispose();
  }
}

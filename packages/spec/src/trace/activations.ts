import { formatShape, ResblocksError } from '../errors.js';
import type { Graph } from '../ir/ir.js';
import { moduleNames } from '../ir/module-names.js';
import { inferShapes } from '../ir/shapes.js';
import { shapesEqual, type Tensor, type Tensor64 } from '../tensor.js';
import { entryToFloat32, entryToFloat64, parseSafetensors } from '../weights/safetensors.js';

/**
 * An activations file: safetensors holding every module's output under its torchvision name (see
 * moduleNames), the input as `input` (float32, as the model saw it), and metadata saying which
 * network made it. packages/spec/scripts/activations/dump.py writes them from PyTorch.
 */
export interface Activations {
  /** The network named in the metadata, when there is one. */
  readonly model?: string;
  /** The input the values were computed from. */
  readonly input?: Tensor;
  /** Every value by module name, as float64. */
  readonly values: ReadonlyMap<string, Tensor64>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The name the input is stored under. */
export const ACTIVATIONS_INPUT = 'input';

/** Reads an activations file with the same checks and limits as weights files. */
export function readActivations(bytes: Uint8Array): Activations {
  const file = parseSafetensors(bytes);
  const values = new Map<string, Tensor64>();
  let input: Tensor | undefined;
  for (const [name, e] of file.tensors) {
    if (name === ACTIVATIONS_INPUT) input = entryToFloat32(name, e);
    else values.set(name, { shape: [...e.shape], data: entryToFloat64(name, e) });
  }
  const model = file.metadata.model;
  return { ...(model ? { model } : {}), ...(input ? { input } : {}), values, metadata: file.metadata };
}

function list(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * Checks that activations fit a graph and an input: the network they were made from, the input
 * (when both the file and the caller have one), every module name present with the shape the
 * graph gives it for that input, and nothing else. Every problem goes into one ACTIVATIONS_MISMATCH
 * error that lists them all. Returns the input the values belong to.
 */
export function checkActivations(acts: Activations, graph: Graph, input?: Tensor): Tensor {
  const problems: string[] = [];
  const details: Record<string, unknown> = {};
  if (acts.model && acts.model !== graph.name) {
    problems.push(`made from ${acts.model}`);
    details.model = acts.model;
  }
  const x = input ?? acts.input;
  if (!x) {
    throw new ResblocksError(
      'ACTIVATIONS_MISMATCH',
      `activations hold no '${ACTIVATIONS_INPUT}' tensor: give the input they were computed from`,
      { missing: [ACTIVATIONS_INPUT] },
    );
  }
  if (input && acts.input) {
    const a = acts.input;
    if (!shapesEqual(a.shape, input.shape)) {
      problems.push(
        `computed from an input of shape ${formatShape(a.shape)}, not ${formatShape(input.shape)}`,
      );
      details.input = { expected: [...input.shape], actual: [...a.shape] };
    } else {
      let worst = 0;
      for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - input.data[i]!));
      if (worst !== 0) {
        problems.push(`computed from another input (max |difference| ${worst.toExponential(2)})`);
        details.input = { maxAbsDifference: worst };
      }
    }
  }
  const shapes = inferShapes(graph, x.shape);
  const expected = new Map([...moduleNames(graph)].map(([node, module]) => [module, shapes.get(node)!]));
  const missing = [...expected.keys()].filter((m) => !acts.values.has(m));
  const extra = [...acts.values.keys()].filter((m) => !expected.has(m));
  const misShaped: { name: string; expected: number[]; actual: number[] }[] = [];
  for (const [name, t] of acts.values) {
    const want = expected.get(name);
    if (want && !shapesEqual(want, t.shape))
      misShaped.push({ name, expected: [...want], actual: [...t.shape] });
  }
  if (missing.length) problems.push(`missing ${missing.length} value(s): ${list(missing)}`);
  if (misShaped.length)
    problems.push(
      `mis-shaped: ${list(misShaped.map((m) => `${m.name} expected ${formatShape(m.expected)} got ${formatShape(m.actual)}`))}`,
    );
  if (extra.length) problems.push(`unexpected ${extra.length} value(s): ${list(extra)}`);
  if (problems.length) {
    throw new ResblocksError(
      'ACTIVATIONS_MISMATCH',
      `activations do not fit '${graph.name}'${input ? ` on input ${formatShape(input.shape)}` : ''}: ${problems.join('; ')}`,
      { ...details, missing, extra, misShaped },
    );
  }
  return x;
}

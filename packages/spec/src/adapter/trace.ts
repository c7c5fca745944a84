import { formatShape, ResblocksError } from '../errors.js';
import type { Graph } from '../ir/ir.js';
import { moduleNames } from '../ir/module-names.js';
import type { Shape } from '../ir/shapes.js';
import { shapesEqual, sizeOf, type Tensor } from '../tensor.js';
import type { BackendId, Trace, TracedValue, TraceSelection } from './contract.js';

/** What a traced engine run returns: the output and the traced values by node name. */
export interface TracedEngineOutput {
  readonly output: Float32Array | Tensor;
  readonly values: ReadonlyMap<string, Float32Array | Tensor>;
}

function list(items: readonly string[], max = 12): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** How a compiled model names its traceable values: node names, module names, and what folding removed. */
export class TraceNames {
  private readonly modules: ReadonlyMap<string, string>;
  private readonly byModule = new Map<string, string>();
  private readonly built: ReadonlySet<string>;

  constructor(
    private readonly original: Graph,
    private readonly builtGraph: Graph,
  ) {
    this.modules = moduleNames(original);
    for (const [node, module] of this.modules) this.byModule.set(module, node);
    this.built = new Set(builtGraph.nodes.map((n) => n.name));
  }

  module(node: string): string {
    return this.modules.get(node) ?? node;
  }

  /** The node a name (node or module name) stands for in the built graph, or why there is none. */
  private find(name: string): { node: string } | { why: string } {
    const node = this.built.has(name) ? name : this.byModule.get(name);
    if (node && this.built.has(node)) return { node };
    const gone = this.original.nodes.find((n) => n.name === (node ?? name));
    if (gone) {
      const into = this.builtGraph.nodes.find(
        (n) =>
          n.op === 'conv2d' &&
          this.original.nodes.some((o) => o.name === n.name && o.inputs[0] === gone.name),
      );
      if (into)
        return {
          why: `'${name}' (folded into ${this.module(into.name)}: compile with foldBatchNorm: false to trace it)`,
        };
    }
    return { why: `'${name}'` };
  }

  /**
   * The built nodes a selection names, in execution order: every node of `allowed` for `true`,
   * none for false or undefined. Unknown names are one UNKNOWN_NODE error listing them all.
   */
  resolve(
    selection: TraceSelection | undefined,
    allowed: readonly string[],
    /** Who asks, for the messages: a backend id, a command. */
    id: string,
    notAllowed: string,
  ): string[] {
    if (!selection) return [];
    if (selection === true) return [...allowed];
    if (!Array.isArray(selection)) {
      throw new ResblocksError('UNKNOWN_NODE', `${id}: trace must be true, false or a list of node names`, {
        backend: id,
      });
    }
    const wanted = new Set<string>();
    const bad: string[] = [];
    const outside: string[] = [];
    for (const name of selection) {
      const found = typeof name === 'string' ? this.find(name) : { why: String(name) };
      if ('why' in found) bad.push(found.why);
      else if (!allowed.includes(found.node)) outside.push(`'${name}'`);
      else wanted.add(found.node);
    }
    if (bad.length || outside.length) {
      const parts = [
        ...(bad.length ? [`${id} has no value ${list(bad)}`] : []),
        ...(outside.length ? [`${list(outside)} ${notAllowed}`] : []),
      ];
      const known = allowed.map((n) => this.module(n));
      throw new ResblocksError(
        'UNKNOWN_NODE',
        `${parts.join('; ')}; traceable: ${known.length ? list(known) : 'none'}`,
        { backend: id, unknown: bad, notTraced: outside, traceable: known },
      );
    }
    return allowed.filter((n) => wanted.has(n));
  }

  /**
   * The engine's traced values as the caller sees them: each checked against the shape the graph
   * gives it, named, in execution order. The output may be left out of `values`: it is the output.
   */
  collect(
    wanted: readonly string[],
    out: TracedEngineOutput,
    output: Tensor,
    shapes: ReadonlyMap<string, Shape>,
    id: BackendId,
  ): Trace {
    const ops = new Map(this.builtGraph.nodes.map((n) => [n.name, n.op]));
    const original = new Map(this.original.nodes.map((n) => [n.name, n]));
    return wanted.map((node): TracedValue => {
      const got = out.values.get(node) ?? (node === this.builtGraph.output ? output : undefined);
      if (!got) {
        throw new ResblocksError('BACKEND_FAILED', `${id} returned no traced value for '${node}'`, {
          backend: id,
          node,
        });
      }
      const expected = shapes.get(node)!;
      const data = got instanceof Float32Array ? got : got.data;
      const shape = got instanceof Float32Array ? expected : got.shape;
      if (!shapesEqual(shape, expected) || data.length !== sizeOf(expected)) {
        throw new ResblocksError(
          'BACKEND_FAILED',
          `${id} traced ${data.length} values of shape ${formatShape(shape)} for '${node}' where the graph gives ${formatShape(expected)}`,
          { backend: id, node, shape: [...shape], expected: [...expected] },
        );
      }
      const op = ops.get(node)!;
      const before = original.get(node);
      const folded = op === 'conv2d' && before?.op === 'batchnorm' ? before.inputs[0] : undefined;
      return {
        node,
        module: this.module(node),
        op,
        shape: [...expected],
        data,
        ...(folded ? { folded } : {}),
      };
    });
  }
}

import {
  type AvgPoolNode,
  batchNormAffine,
  type Conv2dNode,
  type Graph,
  type GraphNode,
  type LinearNode,
  type MaxPoolNode,
  ResblocksError,
  soleConsumers,
  type Weights,
} from '@resblocks/spec';

/**
 * Elementwise steps fused after a producer, applied in order to its value:
 * add another value, a per-channel affine (an unfoldable batch norm), ReLU.
 */
export type Step =
  | { readonly kind: 'add'; readonly other: string }
  | { readonly kind: 'affine'; readonly scale: Float32Array; readonly shift: Float32Array }
  | { readonly kind: 'relu' };

/** One kernel launch: what it computes, from which values, and the steps fused after it. */
export type Op =
  | {
      readonly kind: 'conv';
      readonly out: string;
      readonly input: string;
      readonly node: Conv2dNode;
      readonly weight: Float32Array;
      readonly bias?: Float32Array;
      readonly steps: readonly Step[];
    }
  | {
      readonly kind: 'eltwise';
      readonly out: string;
      readonly input: string;
      readonly steps: readonly Step[];
    }
  | { readonly kind: 'maxpool'; readonly out: string; readonly input: string; readonly node: MaxPoolNode }
  | { readonly kind: 'avgpool'; readonly out: string; readonly input: string; readonly node: AvgPoolNode }
  | { readonly kind: 'gap'; readonly out: string; readonly input: string }
  | {
      readonly kind: 'linear';
      readonly out: string;
      readonly input: string;
      readonly node: LinearNode;
      readonly weight: Float32Array;
      readonly bias?: Float32Array;
    };

export interface Plan {
  readonly ops: readonly Op[];
  /** Values that are another value under a new shape (flatten): name -> source. */
  readonly aliases: ReadonlyMap<string, string>;
  /** How many IR nodes were fused into a preceding kernel. */
  readonly fusedNodes: number;
}

/**
 * Groups the (already BN-folded) graph into kernel launches: a conv or elementwise node takes the
 * add / batchnorm / relu nodes that follow it into its epilogue, as long as each value it swallows
 * has that next node as its sole consumer (`soleConsumers`). A fused launch runs at the
 * position of its last node, so an add's other operand (a shortcut computed after the branch) is
 * always ready. A value in `traceable` ends its launch, so a traced run can read it.
 */
export function buildPlan(graph: Graph, weights: Weights, traceable: ReadonlySet<string> = new Set()): Plan {
  const sole = soleConsumers(graph);
  const param = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new ResblocksError('WEIGHTS_MISSING', `weight '${name}' is missing`, { key: name });
    return t.data;
  };
  const position = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const claimed = new Set<string>();
  const placed: { at: number; op: Op }[] = [];
  const aliases = new Map<string, string>();
  let fusedNodes = 0;

  const epilogue = (start: string): { steps: Step[]; out: string } => {
    const steps: Step[] = [];
    let value = start;
    for (;;) {
      if (traceable.has(value)) break;
      const next = sole.get(value);
      if (!next || claimed.has(next.name)) break;
      const step = asStep(next, value);
      if (!step) break;
      steps.push(step);
      claimed.add(next.name);
      fusedNodes++;
      value = next.name;
    }
    return { steps, out: value };
  };

  const asStep = (node: GraphNode, from: string): Step | undefined => {
    switch (node.op) {
      case 'relu':
        return { kind: 'relu' };
      case 'add': {
        const [a, b] = node.inputs as [string, string];
        if (a === b) return undefined;
        return { kind: 'add', other: a === from ? b : a };
      }
      case 'batchnorm': {
        const { scale, shift } = batchNormAffine(node, weights);
        return { kind: 'affine', scale, shift };
      }
      default:
        return undefined;
    }
  };

  const emit = (op: Op) => placed.push({ at: position.get(op.out)!, op });
  for (const node of graph.nodes) {
    if (claimed.has(node.name)) continue;
    claimed.add(node.name);
    const input = node.inputs[0]!;
    switch (node.op) {
      case 'conv2d': {
        const { steps, out } = epilogue(node.name);
        const bias = node.bias ? param(node.bias) : undefined;
        emit({
          kind: 'conv',
          out,
          input,
          node,
          weight: param(node.weight),
          steps,
          ...(bias ? { bias } : {}),
        });
        break;
      }
      case 'relu':
      case 'add':
      case 'batchnorm': {
        const head = asStep(node, input);
        const { steps, out } = epilogue(node.name);
        if (!head) {
          // x + x: read the same value twice.
          emit({ kind: 'eltwise', out, input, steps: [{ kind: 'add', other: input }, ...steps] });
        } else emit({ kind: 'eltwise', out, input, steps: [head, ...steps] });
        break;
      }
      case 'maxpool':
        emit({ kind: 'maxpool', out: node.name, input, node });
        break;
      case 'avgpool':
        emit({ kind: 'avgpool', out: node.name, input, node });
        break;
      case 'globalavgpool':
        emit({ kind: 'gap', out: node.name, input });
        break;
      case 'flatten':
        aliases.set(node.name, input);
        break;
      case 'linear': {
        const bias = node.bias ? param(node.bias) : undefined;
        emit({
          kind: 'linear',
          out: node.name,
          input,
          node,
          weight: param(node.weight),
          ...(bias ? { bias } : {}),
        });
        break;
      }
      default: {
        const { op, name } = node as { op: string; name: string };
        throw new ResblocksError('UNKNOWN_OP', `gpujs has no kernel for op '${op}' (node '${name}')`, {
          op,
        });
      }
    }
  }
  // A fused launch runs where its last node was, after every operand of its adds.
  const ops = placed.sort((a, b) => a.at - b.at).map((p) => p.op);
  return { ops, aliases, fusedNodes };
}

import {
  type AvgPoolNode,
  type BatchNormNode,
  batchNormAffine,
  type Conv2dNode,
  type Graph,
  type LinearNode,
  type MaxPoolNode,
  ResblocksError,
  type Shape,
  soleConsumers,
  type Weights,
} from '@resblocks/spec';
import type { StepKind } from './kernels.js';

/** The device limits a plan must respect (a batch over them is split or refused). */
export interface PlanLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

/** One step of an epilogue or an elementwise kernel, with what it reads. */
export type Step =
  | {
      readonly kind: 'affine';
      readonly node: string;
      readonly scale: Float32Array;
      readonly shift: Float32Array;
    }
  | { readonly kind: 'add'; readonly node: string; readonly other: string }
  | { readonly kind: 'relu'; readonly node: string };

interface OpBase {
  /** The value this op writes. */
  readonly out: string;
  /** The value it reads (its main input). */
  readonly input: string;
  /** Graph nodes this op computes, in order (the last one names `out`). */
  readonly nodes: readonly string[];
}

export type Op =
  | (OpBase & { readonly kind: 'conv'; readonly node: Conv2dNode; readonly steps: readonly Step[] })
  | (OpBase & { readonly kind: 'eltwise'; readonly steps: readonly Step[] })
  | (OpBase & { readonly kind: 'maxpool'; readonly node: MaxPoolNode })
  | (OpBase & { readonly kind: 'avgpool'; readonly node: AvgPoolNode })
  | (OpBase & { readonly kind: 'gap' })
  /** A linear layer, with the global average pool before it when `pooled`. */
  | (OpBase & { readonly kind: 'linear'; readonly node: LinearNode; readonly pooled: boolean });

export interface Plan {
  readonly graph: Graph;
  readonly ops: readonly Op[];
  /** Values that share their input's storage (flatten of [N, C, 1, 1]). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Values that must outlive the pass: the graph output and every traced value. */
  readonly pinned: ReadonlySet<string>;
  /** Graph nodes merged into an op they do not name (an epilogue, a fused pool). */
  readonly fusedNodes: number;
}

/**
 * Where a step goes in the kernels' one order (affine, add, affine, ReLU; see kernels.ts), after
 * the steps already taken; undefined when it does not fit.
 */
export function stepSlot(taken: readonly Step[], step: Step): number | undefined {
  const slots = slotsOf(taken);
  const last = slots.length ? slots.at(-1)! : -1;
  if (slots.includes(-1)) return undefined;
  const hasAdd = taken.some((s) => s.kind === 'add');
  const slot = step.kind === 'add' ? 1 : step.kind === 'relu' ? 3 : hasAdd || last >= 0 ? 2 : 0;
  return slot > last ? slot : undefined;
}

function slotsOf(steps: readonly Step[]): number[] {
  const out: number[] = [];
  steps.forEach((s, i) => {
    out.push(stepSlot(steps.slice(0, i), s) ?? -1);
  });
  return out;
}

/** The FLAGS word of a step chain (bits 1, 2, 4, 8 for slots 0..3). */
export function stepFlags(steps: readonly Step[]): number {
  return slotsOf(steps).reduce((f, slot) => f | (1 << slot), 0);
}

/**
 * Groups the graph's nodes into ops: each convolution takes the chain of BN affine maps, residual
 * adds and ReLUs after it into its epilogue, as long as each value on the way has that one consumer
 * and is neither traced nor the output; other elementwise chains become one elementwise op; a
 * global average pool read only by flatten and linear is fused into the linear layer. An op runs at
 * the place of its last node, so a residual add's other branch is computed first.
 */
export function buildPlan(graph: Graph, weights: Weights, traced: ReadonlySet<string> = new Set()): Plan {
  const sole = soleConsumers(graph);
  const taken = new Set<string>();
  const pending: { at: number; op: Op }[] = [];
  const aliases = new Map<string, string>();
  const position = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const keep = (value: string) => traced.has(value) || value === graph.output;
  const storageOf = (v: string): string => aliases.get(v) ?? v;

  /** The elementwise chain starting after `value` that may be fused, given the bindings already used. */
  function chain(
    value: string,
    before: readonly Step[] = [],
  ): { steps: Step[]; nodes: string[]; last: string } {
    const steps: Step[] = [];
    const nodes: string[] = [];
    let cur = value;
    while (!keep(cur)) {
      const next = sole.get(cur);
      if (!next || taken.has(next.name)) break;
      let step: Step;
      if (next.op === 'relu') step = { kind: 'relu', node: next.name };
      else if (next.op === 'batchnorm') step = affineStep(next, weights);
      else if (next.op === 'add') {
        const other = next.inputs[0] === cur ? next.inputs[1]! : next.inputs[0]!;
        // x + x reads the chain's own value twice: not a sole consumer, never here.
        step = { kind: 'add', node: next.name, other };
      } else break;
      if (stepSlot([...before, ...steps], step) === undefined) break;
      steps.push(step);
      nodes.push(next.name);
      taken.add(next.name);
      cur = next.name;
    }
    return { steps, nodes, last: cur };
  }

  for (const node of graph.nodes) {
    if (taken.has(node.name)) continue;
    taken.add(node.name);
    const input = node.inputs[0]!;
    switch (node.op) {
      case 'conv2d': {
        const c = chain(node.name);
        pending.push({
          at: position.get(c.last)!,
          op: {
            kind: 'conv',
            node,
            input,
            steps: c.steps,
            out: c.last,
            nodes: [node.name, ...c.nodes],
          },
        });
        break;
      }
      case 'batchnorm':
      case 'relu':
      case 'add': {
        const first: Step =
          node.op === 'relu'
            ? { kind: 'relu', node: node.name }
            : node.op === 'add'
              ? { kind: 'add', node: node.name, other: node.inputs[1]! }
              : affineStep(node, weights);
        const rest = chain(node.name, [first]);
        pending.push({
          at: position.get(rest.last)!,
          op: {
            kind: 'eltwise',
            input,
            steps: [first, ...rest.steps],
            out: rest.last,
            nodes: [node.name, ...rest.nodes],
          },
        });
        break;
      }
      case 'maxpool':
        pending.push({
          at: position.get(node.name)!,
          op: { kind: 'maxpool', node, input, out: node.name, nodes: [node.name] },
        });
        break;
      case 'avgpool':
        pending.push({
          at: position.get(node.name)!,
          op: { kind: 'avgpool', node, input, out: node.name, nodes: [node.name] },
        });
        break;
      case 'globalavgpool': {
        const flat = keep(node.name) ? undefined : sole.get(node.name);
        const linear = flat?.op === 'flatten' && !keep(flat.name) ? sole.get(flat.name) : undefined;
        if (flat && linear?.op === 'linear') {
          taken.add(flat.name);
          taken.add(linear.name);
          pending.push({
            at: position.get(linear.name)!,
            op: {
              kind: 'linear',
              node: linear,
              pooled: true,
              input,
              out: linear.name,
              nodes: [node.name, flat.name, linear.name],
            },
          });
        } else {
          pending.push({
            at: position.get(node.name)!,
            op: { kind: 'gap', input, out: node.name, nodes: [node.name] },
          });
        }
        break;
      }
      case 'flatten': {
        // Only [N, C, 1, 1] flattens in place (NHWC and NCHW agree there); checked per shape.
        aliases.set(node.name, storageOf(input));
        break;
      }
      case 'linear':
        pending.push({
          at: position.get(node.name)!,
          op: { kind: 'linear', node, pooled: false, input, out: node.name, nodes: [node.name] },
        });
        break;
      default: {
        const op = (node as { op: string }).op;
        throw new ResblocksError('UNKNOWN_OP', `webgpu has no kernel for op '${op}'`, { op });
      }
    }
  }
  // A stable sort keeps graph order among ops ending at the same node.
  const ops = pending.sort((a, b) => a.at - b.at).map((p) => p.op);
  const pinned = new Set<string>([graph.output, ...traced]);
  const fusedNodes = ops.reduce((n, o) => n + o.nodes.length - 1, 0);
  return { graph, ops, aliases, pinned, fusedNodes };
}

function affineStep(node: BatchNormNode, weights: Weights): Step {
  const { scale, shift } = batchNormAffine(node, weights);
  return { kind: 'affine', node: node.name, scale: pad4(scale), shift: pad4(shift) };
}

export function pad4(values: Float32Array): Float32Array {
  const out = new Float32Array(Math.ceil(values.length / 4) * 4);
  out.set(values);
  return out;
}

export function stepKinds(steps: readonly Step[]): StepKind[] {
  return steps.map((s) => s.kind);
}

/** Values an op reads (its input, residuals), as stored (aliases resolved). */
export function opReads(op: Op, aliases: ReadonlyMap<string, string>): string[] {
  const reads = [op.input];
  if (op.kind === 'conv' || op.kind === 'eltwise')
    for (const s of op.steps) if (s.kind === 'add') reads.push(s.other);
  return reads.map((v) => aliases.get(v) ?? v);
}

/** Packets (four channels) a value of this shape holds: NHWC with channels padded to four. */
export function packets(shape: Shape): number {
  const [n, c, h = 1, w = 1] = shape as number[];
  return n! * h * w * Math.ceil(c! / 4);
}

export interface BufferPlan {
  /** Byte size of each storage buffer. */
  readonly sizes: readonly number[];
  /** The buffer of each stored value (the graph input included). */
  readonly bufferOf: ReadonlyMap<string, number>;
  /** Bytes of all activation buffers together. */
  readonly totalBytes: number;
  /** What a plan without reuse would take: every value its own buffer. */
  readonly unsharedBytes: number;
  /** The most bytes live at once (the lower bound any assignment needs). */
  readonly peakLiveBytes: number;
}

/**
 * Liveness over the op order: a value lives from the op writing it to the last op reading it
 * (pinned values to the end); a buffer whose value is dead is free for a later op's output, best fit
 * first, grown when it is too small. An op never writes a buffer it reads (a buffer freed at op i
 * becomes free only after op i).
 */
export function planBuffers(
  plan: Plan,
  shapes: ReadonlyMap<string, Shape>,
  bytesPerPacket: number,
): BufferPlan {
  const bytes = (v: string) => Math.max(16, packets(shapes.get(v)!) * bytesPerPacket);
  const lastUse = new Map<string, number>();
  plan.ops.forEach((op, i) => {
    for (const r of opReads(op, plan.aliases)) lastUse.set(r, i);
  });
  const end = plan.ops.length;
  for (const p of plan.pinned) lastUse.set(plan.aliases.get(p) ?? p, end);
  const sizes: number[] = [];
  const bufferOf = new Map<string, number>();
  const free = new Set<number>();
  const input = plan.graph.input;
  sizes.push(bytes(input));
  bufferOf.set(input, 0);
  const dying = new Map<number, string[]>();
  const die = (v: string) => {
    const at = lastUse.get(v) ?? -1;
    dying.set(at, [...(dying.get(at) ?? []), v]);
  };
  die(input);
  let live = bytes(input);
  let peak = live;
  let unshared = bytes(input);
  plan.ops.forEach((op, i) => {
    const need = bytes(op.out);
    unshared += need;
    let best: number | undefined;
    for (const b of free) {
      if (best === undefined) best = b;
      const fits = sizes[b]! >= need;
      const bestFits = sizes[best]! >= need;
      if (
        (fits && (!bestFits || sizes[b]! < sizes[best]!)) ||
        (!fits && !bestFits && sizes[b]! > sizes[best]!)
      )
        best = b;
    }
    let buf: number;
    if (best === undefined) {
      buf = sizes.length;
      sizes.push(need);
    } else {
      buf = best;
      free.delete(buf);
      sizes[buf] = Math.max(sizes[buf]!, need);
    }
    bufferOf.set(op.out, buf);
    live += need;
    peak = Math.max(peak, live);
    die(op.out);
    for (const v of dying.get(i) ?? []) {
      free.add(bufferOf.get(v)!);
      live -= bytes(v);
    }
    // A value nobody reads (a dead branch) frees its buffer right after it is written.
    for (const v of dying.get(-1) ?? []) {
      if (v === input) continue;
      free.add(bufferOf.get(v)!);
      live -= bytes(v);
    }
    dying.delete(-1);
  });
  for (const [alias, target] of plan.aliases) bufferOf.set(alias, bufferOf.get(target)!);
  return {
    sizes,
    bufferOf,
    totalBytes: sizes.reduce((a, b) => a + b, 0),
    unsharedBytes: unshared,
    peakLiveBytes: peak,
  };
}

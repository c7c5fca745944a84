import {
  blockContract,
  foldBatchNorm,
  inferShapes,
  initWeights,
  lowerBlock,
  networkGraph,
  type Shape,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan, planBuffers } from '../src/index.js';
import { opReads } from '../src/plan.js';

function folded(name: string) {
  const g = networkGraph(name);
  return foldBatchNorm(g, initWeights(g, 1));
}

/**
 * Replays a buffer assignment op by op and names the first clash: an op whose output buffer is one
 * it reads, or that overwrites a value some later op (or the read-back) still needs.
 */
function clash(plan: Plan, bufferOf: ReadonlyMap<string, number>): string | undefined {
  const stored = (v: string) => plan.aliases.get(v) ?? v;
  const holder = new Map<number, string>([[bufferOf.get(plan.graph.input)!, plan.graph.input]]);
  const needed = (v: string, after: number) =>
    plan.pinned.has(v) ||
    [...plan.pinned].some((p) => stored(p) === v) ||
    plan.ops.slice(after).some((o) => opReads(o, plan.aliases).includes(v));
  for (const [i, op] of plan.ops.entries()) {
    const out = bufferOf.get(op.out)!;
    for (const r of opReads(op, plan.aliases)) {
      if (bufferOf.get(r) === out) return `${op.out} writes the buffer it reads (${r})`;
      if (holder.get(bufferOf.get(r)!) !== r) return `${op.out} reads ${r}, already overwritten`;
    }
    const previous = holder.get(out);
    if (previous !== undefined && needed(previous, i + 1))
      return `${op.out} overwrites ${previous}, still needed`;
    holder.set(out, op.out);
  }
  return undefined;
}

describe('planner', () => {
  it('fuses resnet50 into its convolutions: BN folded, adds and ReLUs in epilogues, pool fused into fc', () => {
    const { graph, weights } = folded('resnet50');
    const plan = buildPlan(graph, weights);
    const kinds = plan.ops.map((o) => o.kind);
    expect(kinds.filter((k) => k === 'conv')).toHaveLength(53);
    expect(kinds.filter((k) => k === 'eltwise')).toHaveLength(0);
    expect(kinds.filter((k) => k !== 'conv')).toEqual(['maxpool', 'linear']);
    const fc = plan.ops.at(-1)!;
    expect(fc.kind === 'linear' && fc.pooled).toBe(true);
    // Each block's last conv takes the residual add and the ReLU.
    const last = plan.ops.find((o) => o.out === 'layer1.0.relu_out')!;
    expect(last.kind === 'conv' && last.steps.map((s) => s.kind)).toEqual(['add', 'relu']);
    // The residual's other branch (the downsample) runs before the conv that adds it.
    const order = plan.ops.map((o) => o.out);
    expect(order.indexOf('layer1.0.downsample.1')).toBeLessThan(order.indexOf('layer1.0.relu_out'));
  });

  it('reuses activation buffers: resnet50 at 64x64 needs a few buffers, near its peak of live bytes', () => {
    const { graph, weights } = folded('resnet50');
    const plan = buildPlan(graph, weights);
    const shapes = inferShapes(graph, [2, 3, 64, 64]);
    const b = planBuffers(plan, shapes, 16);
    expect(clash(plan, b.bufferOf)).toBeUndefined();
    expect(b.sizes.length).toBeLessThanOrEqual(5);
    expect(b.totalBytes).toBeGreaterThanOrEqual(b.peakLiveBytes);
    expect(b.totalBytes).toBeLessThan(2 * b.peakLiveBytes);
    expect(b.totalBytes * 4).toBeLessThan(b.unsharedBytes);
    // f16 storage halves every activation buffer.
    expect(planBuffers(plan, shapes, 8).totalBytes * 2).toBe(b.totalBytes);
  });

  it('keeps every traced value in a buffer of its own and fuses nothing past it', () => {
    const graph = lowerBlock(blockContract({ kind: 'bottleneck', inChannels: 16, planes: 4 }), 'b');
    const weights = initWeights(graph, 1);
    const all = new Set(graph.nodes.map((n) => n.name));
    const plan = buildPlan(graph, weights, all);
    // Unfolded: every node is an op of its own.
    expect(plan.ops).toHaveLength(graph.nodes.length);
    expect(plan.fusedNodes).toBe(0);
    const b = planBuffers(plan, inferShapes(graph, [1, 16, 5, 5]), 16);
    const traced = [...all].map((v) => b.bufferOf.get(v));
    expect(new Set(traced).size).toBe(traced.length);
    expect(clash(plan, b.bufferOf)).toBeUndefined();
  });

  it('runs pre-activation BN + ReLU as one elementwise op and keeps residual branches live', () => {
    const graph = lowerBlock(
      blockContract({ kind: 'basic', inChannels: 8, planes: 8, ordering: 'preact' }),
      'p',
    );
    const weights = initWeights(graph, 1);
    const plan = buildPlan(graph, weights);
    const elt = plan.ops.filter((o) => o.kind === 'eltwise');
    expect(elt.length).toBeGreaterThan(0);
    expect(elt[0]!.kind === 'eltwise' && elt[0]!.steps.map((s) => s.kind)).toEqual(['affine', 'relu']);
    for (const shape of [
      [1, 8, 5, 5],
      [3, 8, 7, 9],
    ] as Shape[]) {
      const b = planBuffers(plan, inferShapes(graph, shape), 16);
      expect(clash(plan, b.bufferOf)).toBeUndefined();
    }
  });

  it('checks itself: a wrong assignment is caught', () => {
    const { graph, weights } = folded('resnet50');
    const plan = buildPlan(graph, weights);
    const b = planBuffers(plan, inferShapes(graph, [1, 3, 32, 32]), 16);
    // Everything in one buffer: the first op writes what it reads.
    const one = new Map([...b.bufferOf].map(([v]) => [v, 0]));
    expect(clash(plan, one)).toMatch(/writes the buffer it reads/);
    // The block's middle conv in the buffer of the block's input, which its last conv still adds.
    const early = new Map(b.bufferOf);
    early.set('layer1.1.relu2', b.bufferOf.get('layer1.0.relu_out')!);
    expect(clash(plan, early)).toMatch(/layer1.1.relu2 overwrites layer1.0.relu_out/);
  });
});

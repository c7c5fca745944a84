import { describe, expect, it } from 'vitest';
import {
  type BlockContract,
  blockContract,
  compareTensors,
  describeComparison,
  errorModel,
  foldBatchNorm,
  type Graph,
  initWeights,
  lowerBlock,
  networkGraph,
  runReference,
  seededInput,
  type Weights,
} from '../src/index.js';

function bnAfterConv(graph: Graph): string[] {
  const producer = new Map(graph.nodes.map((n) => [n.name, n]));
  return graph.nodes
    .filter((n) => n.op === 'batchnorm' && producer.get(n.inputs[0]!)?.op === 'conv2d')
    .map((n) => n.name);
}

/** Folds, then checks the folded graph computes the same function within the float32 budget. */
function checkFold(graph: Graph, inputShape: number[], fold = foldBatchNorm) {
  const weights = initWeights(graph, 3);
  const x = seededInput(inputShape, 4);
  const before = runReference(graph, weights, x);
  const folded = fold(graph, weights);
  const after = runReference(folded.graph, folded.weights, x);
  return { folded, cmp: compareTensors(after.data, before.data, 'float32', errorModel(graph)) };
}

const block = (o: Partial<BlockContract> & Pick<BlockContract, 'kind'>) =>
  lowerBlock(blockContract({ planes: 4, inChannels: 8, ...o }));

describe('foldBatchNorm', () => {
  const cases: [string, Graph, number][] = [
    ['post bottleneck', block({ kind: 'bottleneck' }), 0],
    [
      'v1 bottleneck (stride on 1x1, conv bias)',
      block({ kind: 'bottleneck', stride: 2, strideOn: '1x1', convBias: true, bnEps: 1.001e-5 }),
      0,
    ],
    ['projection basic', block({ kind: 'basic', stride: 2 }), 0],
    [
      'avgdown resnext',
      block({ kind: 'bottleneck', stride: 2, shortcut: 'avgdown', groups: 2, baseWidth: 32, planes: 8 }),
      0,
    ],
    // BN after add stays; so does each pre-activation block's first BN, which reads the block input
    ['bn-after-add', block({ kind: 'basic', planes: 8, ordering: 'bn-after-add' }), 1],
    ['preact bottleneck', block({ kind: 'bottleneck', ordering: 'preact', stride: 2 }), 1],
    ['preact basic', block({ kind: 'basic', ordering: 'preact', planes: 8 }), 1],
    ['relu-only-preact', block({ kind: 'bottleneck', ordering: 'relu-only-preact', planes: 2 }), 0],
  ];

  it.each(cases)('%s: equivalent graph, no BN left after a conv', (_, graph, bnsLeft) => {
    expect(bnAfterConv(graph).length).toBeGreaterThan(0);
    const { folded, cmp } = checkFold(graph, [2, graph.inChannels, 7, 6]);
    expect(cmp.pass, describeComparison(cmp)).toBe(true);
    expect(bnAfterConv(folded.graph)).toEqual([]);
    expect(folded.graph.nodes.filter((n) => n.op === 'batchnorm').length).toBe(bnsLeft);
    expect([...folded.weights.keys()]).toEqual(folded.graph.params.map((p) => p.name));
    // every conv bias follows its weight, as in a state_dict
    const names = folded.graph.params.map((p) => p.name);
    for (const c of folded.graph.nodes)
      if (c.op === 'conv2d' && c.bias) expect(names.indexOf(c.bias)).toBe(names.indexOf(c.weight) + 1);
  });

  it('keeps BNs that follow something other than a conv (pre-activation, after add)', () => {
    const p = block({ kind: 'basic', ordering: 'preact', planes: 8 });
    const pre = foldBatchNorm(p, initWeights(p, 0));
    expect(pre.graph.nodes.find((n) => n.name === 'bn1')?.op).toBe('batchnorm');
    const g = block({ kind: 'basic', planes: 8, ordering: 'bn-after-add' });
    const f = foldBatchNorm(g, initWeights(g, 0));
    expect(f.graph.nodes.find((n) => n.name === 'bn2')?.op).toBe('batchnorm');
    expect(f.graph.nodes.find((n) => n.name === 'bn1')?.op).toBe('conv2d');
  });

  it('resnet18 at 16x16 stays equivalent', () => {
    const graph = networkGraph('resnet18');
    const { folded, cmp } = checkFold(graph, [1, 3, 16, 16]);
    expect(cmp.pass, describeComparison(cmp)).toBe(true);
    expect(folded.graph.nodes.filter((n) => n.op === 'batchnorm')).toEqual([]);
    expect(folded.weights.get('conv1.bias')?.shape).toEqual([64]);
    expect(folded.weights.has('bn1.weight')).toBe(false);
    // the input graph and weights are left untouched
    expect(graph.nodes.filter((n) => n.op === 'batchnorm').length).toBe(20);
  });

  it('a wrong fold fails the comparison', () => {
    const graph = block({ kind: 'bottleneck', stride: 2, bnEps: 0.1 });
    const ignoreEps = (g: Graph, w: Weights) =>
      foldBatchNorm(
        { ...g, nodes: g.nodes.map((n) => (n.op === 'batchnorm' ? { ...n, eps: 1e-12 } : n)) },
        w,
      );
    expect(checkFold(graph, [1, 8, 6, 6], ignoreEps).cmp.pass).toBe(false);
    const ignoreMean = (g: Graph, w: Weights) => {
      const zeroMean = new Map(w);
      for (const [k, t] of w)
        if (k.endsWith('running_mean'))
          zeroMean.set(k, { shape: t.shape, data: new Float32Array(t.data.length) });
      return foldBatchNorm(g, zeroMean);
    };
    expect(checkFold(graph, [1, 8, 6, 6], ignoreMean).cmp.pass).toBe(false);
    expect(checkFold(graph, [1, 8, 6, 6]).cmp.pass).toBe(true);
  });
});

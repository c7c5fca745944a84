import { describe, expect, it } from 'vitest';
import {
  blockContract,
  type Graph,
  type GraphNode,
  initWeights,
  lowerBlock,
  type ParamSpec,
  runReference,
  seededInput,
  type Tensor,
  type Weights,
} from '../src/index.js';
import { expectError } from './expect-error.js';

const t = (shape: number[], values: number[]): Tensor => ({ shape, data: Float32Array.from(values) });
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

/** A one-input graph whose output is the last node, with parameters given by value. */
function run(
  nodes: GraphNode[],
  inChannels: number,
  input: Tensor,
  params: Record<string, Tensor> = {},
): { shape: readonly number[]; values: number[] } {
  const specs: ParamSpec[] = Object.entries(params).map(([name, v]) => ({
    name,
    shape: v.shape,
    role: 'conv_weight',
    fanIn: 1,
  }));
  const graph: Graph = {
    name: 'hand',
    input: 'x',
    inChannels,
    output: nodes.at(-1)!.name,
    nodes,
    params: specs,
  };
  const y = runReference(graph, new Map(Object.entries(params)) as Weights, input);
  return { shape: y.shape, values: Array.from(y.data) };
}

const conv = (
  o: Partial<Extract<GraphNode, { op: 'conv2d' }>> & { inChannels: number; outChannels: number },
) =>
  ({
    op: 'conv2d',
    name: 'c',
    inputs: ['x'],
    kernel: [1, 1],
    stride: [1, 1],
    pads: [0, 0, 0, 0],
    dilation: [1, 1],
    groups: 1,
    weight: 'w',
    ...o,
  }) as GraphNode;

const pool = (
  op: 'maxpool' | 'avgpool',
  k: number,
  s: number,
  p: number,
  ceilMode = false,
  countIncludePad = false,
) =>
  ({
    op,
    name: 'p',
    inputs: ['x'],
    kernel: [k, k],
    stride: [s, s],
    pads: [p, p, p, p],
    ceilMode,
    countIncludePad,
  }) as GraphNode;

describe('runReference on hand-computed cases', () => {
  it('1x1 convolution with bias', () => {
    const y = run([conv({ inChannels: 2, outChannels: 3, bias: 'b' })], 2, t([1, 2, 2, 2], range(8)), {
      w: t([3, 2, 1, 1], [1, 0, 0, 1, 2, -1]),
      b: t([3], [0.5, 0, -1]),
    });
    expect(y.shape).toEqual([1, 3, 2, 2]);
    expect(y.values).toEqual([1.5, 2.5, 3.5, 4.5, 5, 6, 7, 8, -4, -3, -2, -1]);
  });

  it('3x3 convolution is a cross-correlation with zero padding', () => {
    const x = t([1, 1, 3, 3], range(9));
    const ones = { w: t([1, 1, 3, 3], Array(9).fill(1)) };
    const c3 = (o: object = {}) =>
      conv({ inChannels: 1, outChannels: 1, kernel: [3, 3], pads: [1, 1, 1, 1], ...o });
    expect(run([c3()], 1, x, ones).values).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
    expect(run([c3({ stride: [2, 2] })], 1, x, ones).values).toEqual([12, 16, 24, 28]);
    // only the top-left tap set: the output is the input shifted down-right (no kernel flip)
    const topLeft = { w: t([1, 1, 3, 3], [1, 0, 0, 0, 0, 0, 0, 0, 0]) };
    expect(run([c3()], 1, x, topLeft).values).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
  });

  it('asymmetric padding, rectangular kernels and dilation', () => {
    const x = t([1, 1, 2, 3], range(6));
    const asym = conv({ inChannels: 1, outChannels: 1, kernel: [2, 2], pads: [1, 0, 0, 1] });
    const y = run([asym], 1, x, { w: t([1, 1, 2, 2], [1, 1, 1, 1]) });
    expect(y.shape).toEqual([1, 1, 2, 3]);
    expect(y.values).toEqual([3, 5, 3, 12, 16, 9]);
    const dil = conv({ inChannels: 1, outChannels: 1, kernel: [1, 2], dilation: [1, 2] });
    expect(run([dil], 1, t([1, 1, 1, 5], range(5)), { w: t([1, 1, 1, 2], [1, 10]) }).values).toEqual([
      31, 42, 53,
    ]);
  });

  it('grouped convolution equals separate convolutions per group', () => {
    const x = seededInput([2, 4, 5, 6], 1);
    const w = seededInput([6, 2, 3, 3], 2);
    // The grouped conv and each per-group one share the window.
    const window = { kernel: [3, 3], pads: [1, 1, 1, 1], stride: [2, 1] } as const;
    const grouped = run([conv({ inChannels: 4, outChannels: 6, groups: 2, ...window })], 4, x, { w });
    const [n, hw] = [2, 30];
    for (let g = 0; g < 2; g++) {
      const xs = new Float32Array(n * 2 * hw);
      for (let b = 0; b < n; b++)
        xs.set(x.data.subarray((b * 4 + 2 * g) * hw, (b * 4 + 2 * g + 2) * hw), b * 2 * hw);
      const part = run(
        [conv({ inChannels: 2, outChannels: 3, ...window })],
        2,
        t([n, 2, 5, 6], Array.from(xs)),
        { w: t([3, 2, 3, 3], Array.from(w.data.subarray(g * 54, (g + 1) * 54))) },
      );
      const ohw = 3 * 6;
      for (let b = 0; b < n; b++)
        expect(grouped.values.slice((b * 6 + 3 * g) * ohw, (b * 6 + 3 * g + 3) * ohw)).toEqual(
          part.values.slice(b * 3 * ohw, (b + 1) * 3 * ohw),
        );
    }
  });

  it('batch norm in inference form', () => {
    const bn: GraphNode = {
      op: 'batchnorm',
      name: 'bn',
      inputs: ['x'],
      channels: 2,
      eps: 0.5,
      weight: 'g',
      bias: 'b',
      mean: 'm',
      var: 'v',
    };
    const y = run([bn], 2, t([1, 2, 1, 2], [1, 2, 3, 4]), {
      g: t([2], [2, -1]),
      b: t([2], [0.25, 1]),
      m: t([2], [1, 5]),
      v: t([2], [3.5, 1.75]),
    });
    // (x - m) / sqrt(v + eps) * g + b: sqrt(4) = 2 for channel 0, sqrt(2.25) = 1.5 for channel 1
    const want = [0.25, 1.25, 1 + 2 / 1.5, 1 + 1 / 1.5];
    for (const [i, v] of y.values.entries()) expect(v).toBeCloseTo(want[i]!, 14);
  });

  it('max pooling pads with -infinity', () => {
    const x = t([1, 1, 2, 2], [-1, -2, -3, -4]);
    expect(run([pool('maxpool', 3, 2, 1)], 1, x).values).toEqual([-1]);
    expect(run([pool('maxpool', 2, 1, 1)], 1, x).values).toEqual([-1, -1, -2, -1, -1, -2, -3, -3, -4]);
  });

  it('average pooling: ceil mode and count_include_pad at odd sizes', () => {
    const x = t([1, 1, 3, 3], range(9));
    const ceil = run([pool('avgpool', 2, 2, 0, true)], 1, x);
    expect(ceil.shape).toEqual([1, 1, 2, 2]);
    expect(ceil.values).toEqual([3, 4.5, 7.5, 9]);
    expect(run([pool('avgpool', 2, 2, 0, false)], 1, x).values).toEqual([3]);
    expect(run([pool('avgpool', 3, 2, 1, false, false)], 1, x).values).toEqual([3, 4, 6, 7]);
    expect(run([pool('avgpool', 3, 2, 1, false, true)], 1, x).values).toEqual([
      12 / 9,
      16 / 9,
      24 / 9,
      28 / 9,
    ]);
    // with count_include_pad a ceil-mode window counts padding but not what lies beyond it
    const ones = t([1, 1, 4, 4], Array(16).fill(1));
    const y = run([pool('avgpool', 3, 2, 1, true, true)], 1, ones);
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(y.values).toEqual([4 / 9, 6 / 9, 2 / 6, 6 / 9, 1, 3 / 6, 2 / 6, 3 / 6, 1 / 4]);
    expect(run([pool('avgpool', 3, 2, 1, true, false)], 1, ones).values).toEqual(Array(9).fill(1));
  });

  it('global average pooling, flatten and linear', () => {
    const nodes: GraphNode[] = [
      { op: 'globalavgpool', name: 'gap', inputs: ['x'] },
      { op: 'flatten', name: 'f', inputs: ['gap'] },
      { op: 'linear', name: 'fc', inputs: ['f'], inFeatures: 2, outFeatures: 2, weight: 'w', bias: 'b' },
    ];
    const y = run(nodes, 2, t([1, 2, 1, 2], [1, 3, 10, 20]), {
      w: t([2, 2], [1, 0, 1, -1]),
      b: t([2], [0, 1]),
    });
    expect(y.shape).toEqual([1, 2]);
    expect(y.values).toEqual([2, 2 - 15 + 1]);
  });

  it('relu and add', () => {
    const nodes: GraphNode[] = [
      { op: 'relu', name: 'r', inputs: ['x'] },
      { op: 'add', name: 'a', inputs: ['r', 'x'] },
    ];
    expect(run(nodes, 1, t([1, 1, 1, 3], [-2, 0, 3])).values).toEqual([-2, 0, 6]);
  });
});

describe('runReference with non-finite values', () => {
  it('NaN and Inf propagate through every op', () => {
    const x = t([1, 1, 1, 4], [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]);
    expect(run([{ op: 'relu', name: 'r', inputs: ['x'] }], 1, x).values).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      0,
      1,
    ]);
    expect(run([pool('maxpool', 2, 1, 0)], 1, t([1, 1, 2, 2], [Number.NaN, 5, 1, 2])).values).toEqual([
      Number.NaN,
    ]);
    expect(run([pool('maxpool', 2, 1, 0)], 1, t([1, 1, 2, 2], [5, Number.NaN, 1, 2])).values).toEqual([
      Number.NaN,
    ]);
    expect(run([pool('avgpool', 1, 1, 0)], 1, x).values).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1,
    ]);
    expect(run([{ op: 'globalavgpool', name: 'g', inputs: ['x'] }], 1, x).values).toEqual([Number.NaN]);
  });

  it('a NaN pixel poisons only its receptive field in a block', () => {
    const graph = lowerBlock(blockContract({ kind: 'basic', planes: 2, inChannels: 2 }));
    const x = seededInput([1, 2, 9, 9], 0);
    x.data[0] = Number.NaN;
    x.data[81 + 80] = Number.POSITIVE_INFINITY;
    const y = runReference(graph, initWeights(graph, 0), x).data;
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Number.isFinite(y[4 * 9 + 4]!)).toBe(true); // the centre is outside both 5x5 receptive fields
    expect(Number.isFinite(y[80]!)).toBe(false);
  });
});

describe('runReference input checks', () => {
  const graph = lowerBlock(blockContract({ kind: 'basic', planes: 2, inChannels: 2 }));
  const w = initWeights(graph, 0);

  it('rejects data whose length does not match the shape', () => {
    const err = expectError(
      () => runReference(graph, w, { shape: [1, 2, 3, 3], data: new Float32Array(17) }),
      'INPUT_SHAPE',
    );
    expect(err.details).toMatchObject({ shape: [1, 2, 3, 3], length: 17 });
  });

  it('rejects a wrong channel count and bad weights', () => {
    expectError(() => runReference(graph, w, seededInput([1, 3, 3, 3], 0)), 'INPUT_SHAPE');
    const missing = new Map(w);
    missing.delete('bn1.weight');
    expectError(() => runReference(graph, missing, seededInput([1, 2, 3, 3], 0)), 'WEIGHTS_MISSING');
  });

  it('accepts float64 input and computes in float64', () => {
    const x = seededInput([2, 2, 3, 3], 0);
    const x64 = { shape: x.shape, data: Float64Array.from(x.data) };
    expect(runReference(graph, w, x64).data).toEqual(runReference(graph, w, x).data);
    // a batch is the concatenation of its single images
    const first = runReference(graph, w, { shape: [1, 2, 3, 3], data: x.data.subarray(0, 18) });
    expect(runReference(graph, w, x).data.subarray(0, 18)).toEqual(first.data);
  });
});

import { describe, expect, it } from 'vitest';
import {
  blockContract,
  checkWeights,
  initWeights,
  lowerBlock,
  type Tensor,
  validateWeights,
  type Weights,
} from '../src/index.js';
import { expectError } from './expect-error.js';

const graph = lowerBlock(blockContract({ kind: 'bottleneck', planes: 4, inChannels: 8, stride: 2 }), 'b');
const good = () => initWeights(graph, 0);

describe('validateWeights', () => {
  it('accepts exact weights and returns them in state_dict order', () => {
    const w = good();
    const reversed: Weights = new Map([...w].reverse());
    const out = validateWeights(graph, reversed);
    expect([...out.keys()]).toEqual(graph.params.map((p) => p.name));
    expect(out.get('conv1.weight')).toBe(w.get('conv1.weight'));
  });

  it('names missing keys (WEIGHTS_MISSING)', () => {
    const w = good();
    w.delete('bn2.running_var');
    w.delete('downsample.0.weight');
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_MISSING');
    expect(err.message).toContain('bn2.running_var');
    expect(err.message).toContain('downsample.0.weight');
    expect(err.details.missing).toEqual(['bn2.running_var', 'downsample.0.weight']);
  });

  it('names extra keys (WEIGHTS_EXTRA)', () => {
    const w = good();
    w.set('fc.weight', { shape: [1], data: new Float32Array(1) });
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_EXTRA');
    expect(err.message).toContain('fc.weight');
    expect(err.details.extra).toEqual(['fc.weight']);
  });

  it('names mis-shaped keys with expected and actual shapes (WEIGHTS_SHAPE)', () => {
    const w = good();
    w.set('conv2.weight', { shape: [4, 4, 1, 3], data: new Float32Array(48) });
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_SHAPE');
    expect(err.message).toContain('conv2.weight expected [4, 4, 3, 3] got [4, 4, 1, 3]');
    expect(err.details.misShaped).toEqual([
      { key: 'conv2.weight', expected: [4, 4, 3, 3], actual: [4, 4, 1, 3] },
    ]);
  });

  it('reports every kind of problem, coded by the first (missing, mis-shaped, extra)', () => {
    const w = good();
    w.delete('conv1.weight');
    w.set('bn1.bias', { shape: [5], data: new Float32Array(5) });
    w.set('stray', { shape: [1], data: new Float32Array(1) });
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_MISSING');
    expect(err.message).toMatch(/conv1\.weight.*bn1\.bias expected \[4\] got \[5\].*stray/);
    w.set('conv1.weight', good().get('conv1.weight')!);
    expectError(() => validateWeights(graph, w), 'WEIGHTS_SHAPE');
  });

  it('shortens long lists', () => {
    const err = expectError(() => validateWeights(graph, new Map()), 'WEIGHTS_MISSING');
    expect(err.message).toContain(`missing ${graph.params.length} key(s)`);
    expect(err.message).toContain(`and ${graph.params.length - 5} more`);
  });

  it('accepts and drops num_batches_tracked of a BN, rejects it elsewhere', () => {
    const w = good();
    const counter: Tensor = { shape: [], data: new Float32Array(0) };
    w.set('bn1.num_batches_tracked', counter);
    w.set('downsample.1.num_batches_tracked', counter);
    const out = validateWeights(graph, w);
    expect(out.has('bn1.num_batches_tracked')).toBe(false);
    expect(out.size).toBe(graph.params.length);
    expect(checkWeights(graph, w)).toEqual({ missing: [], extra: [], misShaped: [] });
    w.set('conv1.num_batches_tracked', counter);
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_EXTRA');
    expect(err.details.extra).toEqual(['conv1.num_batches_tracked']);
  });

  it('requires float32 data (WEIGHTS_DTYPE)', () => {
    const w = good();
    const t = w.get('bn1.weight')!;
    w.set('bn1.weight', { shape: t.shape, data: Float64Array.from(t.data) as unknown as Float32Array });
    const err = expectError(() => validateWeights(graph, w), 'WEIGHTS_DTYPE');
    expect(err.details.key).toBe('bn1.weight');
  });
});

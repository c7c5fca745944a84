import { describe, expect, it } from 'vitest';
import { classesOf, getNetwork, initWeights, NETWORKS, networkGraph, validateWeights } from '../src/index.js';
import { expectError } from './expect-error.js';

describe('numClasses', () => {
  it('changes only the fc layer of a named network', () => {
    const base = networkGraph('resnet18');
    const ten = networkGraph('resnet18', { numClasses: 10 });
    expect(ten.params.find((p) => p.name === 'fc.weight')!.shape).toEqual([10, 512]);
    expect(ten.params.find((p) => p.name === 'fc.bias')!.shape).toEqual([10]);
    const others = (g: typeof base) => g.params.filter((p) => !p.name.startsWith('fc.'));
    expect(others(ten)).toEqual(others(base));
    expect(getNetwork('resnet18', { numClasses: 10 }).numClasses).toBe(10);
    expect(NETWORKS.resnet18!.numClasses).toBe(1000);
    // the default count and a memoised graph per count
    expect(networkGraph('resnet18', { numClasses: 1000 })).toBe(base);
    expect(networkGraph('resnet18', { numClasses: 10 })).toBe(ten);
  });

  it('is read from fc.weight, and weights of another count are named as mis-shaped', () => {
    const ten = networkGraph('resnet8_cifar', { numClasses: 3 });
    const w = initWeights(ten, 1);
    expect(classesOf(w)).toBe(3);
    expect(validateWeights(ten, w).size).toBe(w.size);
    const err = expectError(() => validateWeights(networkGraph('resnet8_cifar'), w), 'WEIGHTS_SHAPE');
    expect(err.message).toContain('fc.weight expected [10, 64] got [3, 64]');
    expect(classesOf(new Map())).toBeUndefined();
    expect(classesOf(new Map([['fc.weight', { shape: [7] }]]))).toBeUndefined();
  });

  it('must be a positive integer', () => {
    for (const n of [0, -1, 2.5, Number.NaN, 2_000_000])
      expectError(() => networkGraph('resnet18', { numClasses: n }), 'INVALID_CONTRACT');
  });
});

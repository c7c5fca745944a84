import { describe, expect, it } from 'vitest';
import {
  blockContract,
  fnv1a32,
  initParam,
  initWeights,
  lowerBlock,
  Mulberry32,
  networkGraph,
  type ParamSpec,
  seededInput,
  streamFor,
} from '../src/index.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes', () => {
    expect(fnv1a32('héllo')).toBe(0x4aa48540);
    expect(fnv1a32('0/conv1.weight')).toBe(2980745861);
  });
});

describe('Mulberry32', () => {
  it('golden outputs', () => {
    const a = new Mulberry32(0);
    expect([a.next(), a.next(), a.next(), a.next()]).toEqual([1144304738, 1416247, 958946056, 627933444]);
    const b = new Mulberry32(0xdeadbeef);
    expect([b.next(), b.next(), b.next()]).toEqual([4043151706, 1147597007, 3315858022]);
  });

  it('uniform() is the top 24 bits of next(), symmetric() = 2u - 1', () => {
    const a = new Mulberry32(123);
    const b = new Mulberry32(123);
    const c = new Mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const n = a.next();
      const u = b.uniform();
      expect(u).toBe((n >>> 8) / 2 ** 24);
      expect(Math.fround(u)).toBe(u);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(c.symmetric()).toBe(2 * u - 1);
    }
  });

  it('streams are keyed by seed and parameter name', () => {
    const s = streamFor(0, 'conv1.weight');
    expect([s.uniform(), s.uniform(), s.symmetric()]).toEqual([
      0.26998281478881836, 0.06298190355300903, -0.22966885566711426,
    ]);
    expect(streamFor(0, 'conv1.weight').next()).toBe(new Mulberry32(fnv1a32('0/conv1.weight')).next());
    expect(streamFor(1, 'conv1.weight').next()).not.toBe(streamFor(0, 'conv1.weight').next());
    expect(streamFor(0, 'conv2.weight').next()).not.toBe(streamFor(0, 'conv1.weight').next());
  });
});

const spec = (name: string, role: ParamSpec['role'], shape: number[], fanIn = 1): ParamSpec => ({
  name,
  role,
  shape,
  fanIn,
});

describe('initParam / initWeights', () => {
  it('golden values', () => {
    const w = initParam(spec('conv1.weight', 'conv_weight', [2, 1, 1, 1], 6), 0);
    expect(Array.from(w.data)).toEqual([-0.4600343704223633, -0.8740361928939819]);
    expect(w.shape).toEqual([2, 1, 1, 1]);
    expect(Array.from(seededInput([3], 7).data)).toEqual([
      -0.18695354461669922, -0.2709052562713623, -0.988890528678894,
    ]);
  });

  it('a parameter does not depend on which other parameters exist', () => {
    const a = initWeights(lowerBlock(blockContract({ kind: 'bottleneck', planes: 8 })), 5);
    const b = initWeights(lowerBlock(blockContract({ kind: 'bottleneck', planes: 8, convBias: true })), 5);
    expect(b.size).toBeGreaterThan(a.size);
    for (const [name, t] of a) expect(b.get(name)!.data, name).toEqual(t.data);
    const alone = initParam(spec('conv2.weight', 'conv_weight', [8, 8, 3, 3], 72), 5);
    expect(a.get('conv2.weight')!.data).toEqual(alone.data);
  });

  it('different names and seeds give different values', () => {
    const w = initWeights(networkGraph('resnet8_cifar'), 0);
    const l1 = w.get('layer1.0.conv1.weight')!.data;
    const l2 = w.get('layer1.0.conv2.weight')!.data;
    expect(l1).not.toEqual(l2);
    expect(initWeights(networkGraph('resnet8_cifar'), 1).get('layer1.0.conv1.weight')!.data).not.toEqual(l1);
  });

  it('is deterministic across calls', () => {
    const g = lowerBlock(blockContract({ kind: 'basic', planes: 8 }));
    const a = initWeights(g, 42);
    const b = initWeights(g, 42);
    for (const [name, t] of a) expect(b.get(name)!.data).toEqual(t.data);
    expect(seededInput([1, 8, 5, 5], 3).data).toEqual(seededInput([1, 8, 5, 5], 3).data);
  });

  it('keeps graph parameter order and shapes', () => {
    const g = networkGraph('resnet8_cifar');
    const w = initWeights(g, 0);
    expect([...w.keys()]).toEqual(g.params.map((p) => p.name));
    for (const p of g.params) expect(w.get(p.name)!.shape).toEqual(p.shape);
  });

  it('draws each role in its documented range; BN statistics are not identity', () => {
    const n = 4096;
    const within = (role: ParamSpec['role'], lo: number, hi: number, fanIn = 1) => {
      const d = initParam(spec(`p.${role}`, role, [n], fanIn), 0).data;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of d) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min, role).toBeGreaterThanOrEqual(Math.fround(lo));
      expect(max, role).toBeLessThan(hi);
      // the draws fill most of the range
      expect(max - min, role).toBeGreaterThan(0.95 * (hi - lo));
      return d;
    };
    within('conv_weight', -Math.sqrt(6 / 27), Math.sqrt(6 / 27), 27);
    within('conv_bias', -0.1, 0.1);
    within('bn_weight', 0.75, 1.25);
    within('bn_weight_last', 0.1, 0.3);
    within('bn_bias', -0.1, 0.1);
    const mean = within('bn_mean', -0.1, 0.1);
    const variance = within('bn_var', 0.5, 1.5);
    within('linear_weight', -1 / 16, 1 / 16, 256);
    within('linear_bias', -1 / 16, 1 / 16, 256);
    expect(mean.some((v) => v !== 0)).toBe(true);
    expect(variance.some((v) => v !== 1)).toBe(true);
    const w = initWeights(networkGraph('resnet8_cifar'), 0);
    expect(Array.from(w.get('bn1.running_var')!.data).every((v) => v === 1)).toBe(false);
    expect(Array.from(w.get('bn1.running_mean')!.data).every((v) => v === 0)).toBe(false);
    expect(Array.from(w.get('layer1.0.bn2.weight')!.data).every((v) => v < 0.3)).toBe(true);
  });

  it('seededInput lies in [-1, 1)', () => {
    const x = seededInput([2, 3, 16, 16], 0).data;
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThan(1);
    expect(Math.min(...x)).toBeLessThan(-0.99);
  });
});

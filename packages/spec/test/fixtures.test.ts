import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type FixtureCase,
  type FixtureManifest,
  fixtureDir,
  hashWeights,
  loadFixtures,
  parseFixtures,
  Sha256,
} from '../src/fixtures/fixtures.js';
import {
  type BlockContract,
  compareTensors,
  describeComparison,
  errorModel,
  type Graph,
  initWeights,
  isResblocksError,
  lowerBlock,
  NETWORK_NAMES,
  ORDERINGS,
  runReference,
  seededInput,
  type Weights,
} from '../src/index.js';

const dir = fixtureDir();
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FixtureManifest;
const fileBytes = (): Record<string, Uint8Array> =>
  Object.fromEntries(Object.keys(manifest.files).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));

const fixtures = await loadFixtures();
const blocks = fixtures.filter((c) => c.kind === 'block');
const networks = fixtures.filter((c) => c.kind === 'network');
const byId = (id: string): FixtureCase => {
  const c = fixtures.find((f) => f.id === id);
  if (!c) throw new Error(`no fixture ${id}`);
  return c;
};

function check(graph: Graph, weights: Weights, c: FixtureCase) {
  const actual = runReference(graph, weights, c.input);
  expect(actual.shape).toEqual(c.expected.shape);
  return compareTensors(actual.data, c.expected.data, 'float64', errorModel(graph));
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('fixture files', () => {
  it('match the manifest hashes and sizes', () => {
    for (const [name, entry] of Object.entries(manifest.files)) {
      const bytes = readFileSync(join(dir, name));
      expect(bytes.byteLength, name).toBe(entry.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(entry.sha256);
    }
    expect(fixtures).toHaveLength(manifest.cases.length);
  });

  it('record how they were made', () => {
    expect(manifest.torch).toMatch(/^\d+\.\d+/);
    expect(manifest.torchvision).toMatch(/^\d+\.\d+/);
    expect(manifest.generator).toContain('npm run fixtures');
  });

  it('cover every value of every contract axis and every network', () => {
    const values = (f: (c: BlockContract) => unknown) => new Set(blocks.map((b) => f(b.contract!)));
    expect(values((c) => c.kind)).toEqual(new Set(['basic', 'bottleneck']));
    for (const g of [1, 2, 32]) expect(values((c) => c.groups).has(g)).toBe(true);
    expect(values((c) => c.strideOn)).toEqual(new Set(['1x1', '3x3']));
    expect(values((c) => c.shortcut)).toEqual(new Set(['identity', 'projection', 'avgdown']));
    expect(values((c) => c.ordering)).toEqual(new Set(ORDERINGS));
    expect(values((c) => c.bnEps)).toEqual(new Set([1e-5, 1.001e-5]));
    expect(values((c) => c.convBias)).toEqual(new Set([true, false]));
    expect(values((c) => c.stride)).toEqual(new Set([1, 2]));
    const odd = blocks.filter(
      (b) => b.contract!.shortcut === 'avgdown' && b.contract!.stride === 2 && b.inputShape[2]! % 2 === 1,
    );
    expect(odd.length).toBeGreaterThan(3);
    expect(odd.some((b) => b.inputShape[2] === 1 || b.inputShape[3] === 1)).toBe(true);
    expect(new Set(blocks.map((b) => b.inputShape[0]))).toEqual(new Set([1, 3]));
    expect(new Set(networks.map((n) => n.network))).toEqual(new Set(NETWORK_NAMES));
  });

  it('reject a corrupted file, naming it', async () => {
    const files = fileBytes();
    const name = 'shortcuts.safetensors';
    const copy = files[name]!.slice();
    copy[copy.length - 3]! ^= 0x01; // a bit of the last expected value
    const e = await rejection(parseFixtures(manifest, { ...files, [name]: copy }));
    expect(isResblocksError(e, 'FIXTURE_INTEGRITY')).toBe(true);
    expect((e as Error).message).toContain(name);
    // Files the selection does not use are not needed, so a corrupt one there does not matter.
    const other = await parseFixtures(manifest, { ...files, [name]: copy }, { groups: ['basic'] });
    expect(other.length).toBeGreaterThan(0);
    // A missing file is reported too.
    const { [name]: _, ...missing } = files;
    expect(isResblocksError(await rejection(parseFixtures(manifest, missing)), 'FIXTURE_INTEGRITY')).toBe(
      true,
    );
  });

  it('reject block and network weights that differ from what PyTorch ran', async () => {
    const files = fileBytes();
    const block = manifest.cases.find((c) => c.group === 'variants')!;
    const net = manifest.cases.find((c) => c.network === 'resnet8_cifar')!;
    const altered: FixtureManifest = {
      ...manifest,
      cases: manifest.cases.map((c) =>
        c === net ? { ...c, seed: c.seed + 1 } : c === block ? { ...c, weightsSha256: '0'.repeat(64) } : c,
      ),
    };
    const cases = await parseFixtures(altered, files, { groups: ['variants', 'networks'] });
    for (const id of [block.id, net.id]) {
      const e = await rejection(() => cases.find((c) => c.id === id)!.weights());
      expect(isResblocksError(e, 'FIXTURE_INTEGRITY'), id).toBe(true);
      expect((e as Error).message).toContain(id);
    }
  });

  it('filter by group and kind', async () => {
    const only = await loadFixtures({ groups: ['resnext'], kinds: ['block'] });
    expect(only.length).toBeGreaterThan(5);
    expect(only.every((c) => c.group === 'resnext' && c.kind === 'block')).toBe(true);
    expect(await loadFixtures({ kinds: ['network'], groups: ['basic'] })).toHaveLength(0);
  });
});

describe('seeded weights and inputs', () => {
  it('reproduce the stored block weights and every input bit for bit', () => {
    for (const c of fixtures) {
      expect(c.input.data, c.id).toEqual(seededInput(c.inputShape, c.seed).data);
      if (c.kind !== 'block') continue;
      const stored = c.weights();
      for (const [name, t] of initWeights(c.graph, c.seed)) {
        expect(stored.get(name)!.shape, `${c.id} ${name}`).toEqual(t.shape);
        expect(stored.get(name)!.data, `${c.id} ${name}`).toEqual(t.data);
      }
    }
  });

  it('hash the same with the built-in SHA-256 as with node:crypto', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
      const mine = new Sha256();
      // Feed in uneven pieces to exercise the buffering.
      for (let i = 0; i < n; i += 37) mine.update(bytes.subarray(i, i + 37));
      const hex = Buffer.from(mine.digest()).toString('hex');
      expect(hex, `${n} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const c = byId(manifest.cases.find((x) => x.group === 'resnext')!.id);
    expect(hashWeights(c.graph, c.weights())).toBe(manifest.cases.find((x) => x.id === c.id)!.weightsSha256);
  });
});

describe('float64 reference agrees with PyTorch', () => {
  for (const group of [...new Set(blocks.map((b) => b.group))]) {
    it.each(blocks.filter((b) => b.group === group).map((c) => [c.id, c] as const))(
      `${group}: %s`,
      (_id, c) => {
        const r = check(c.graph, c.weights(), c);
        expect(r.pass, `${c.id}: ${describeComparison(r)}`).toBe(true);
      },
    );
  }

  it.each(networks.map((c) => [c.id, c] as const))('network %s', (_id, c) => {
    // weights() regenerates from the seed and checks the hash of what PyTorch ran.
    const r = check(c.graph, c.weights(), c);
    expect(r.pass, `${c.id}: ${describeComparison(r)}`).toBe(true);
  });
});

describe('the comparison detects a wrong implementation', () => {
  const altered = (id: string, change: Partial<BlockContract>) => {
    const c = byId(id);
    const graph = lowerBlock({ ...c.contract!, ...change });
    return check(graph, c.weights(), c);
  };
  const find = (pred: (c: BlockContract, shape: number[]) => boolean) =>
    blocks.find((b) => pred(b.contract!, b.inputShape))!.id;

  it('misses when BN epsilon is swapped', () => {
    const id = find((c) => c.bnEps === 1.001e-5);
    expect(altered(id, { bnEps: 1e-5 }).pass).toBe(false);
    expect(altered(id, {}).pass).toBe(true);
  });

  it('misses when the stride moves between the 1x1 and the 3x3 conv', () => {
    const id = find((c) => c.kind === 'bottleneck' && c.stride === 2 && c.strideOn === '1x1');
    expect(altered(id, { strideOn: '3x3' }).pass).toBe(false);
  });

  it('misses when avg-down pads the odd side and counts the padding', () => {
    const id = find(
      (c, s) => c.shortcut === 'avgdown' && c.stride === 2 && s[2]! % 2 === 1 && s[3]! % 2 === 1,
    );
    const c = byId(id);
    // Explicit end padding instead of ceil mode gives the same shapes; it matches PyTorch only when
    // the padding is left out of the divisor.
    const padded = (countIncludePad: boolean): Graph => ({
      ...c.graph,
      nodes: c.graph.nodes.map((n) =>
        n.op === 'avgpool' ? { ...n, pads: [0, 0, 1, 1] as const, ceilMode: false, countIncludePad } : n,
      ),
    });
    expect(check(padded(false), c.weights(), c).pass).toBe(true);
    expect(check(padded(true), c.weights(), c).pass).toBe(false);
  });

  it('misses when the ordering changes', () => {
    const id = find((c) => c.ordering === 'relu-before-add');
    expect(altered(id, { ordering: 'post' }).pass).toBe(false);
  });
});

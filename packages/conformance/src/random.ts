import {
  type BlockContract,
  EXPANSION,
  fnv1a32,
  Mulberry32,
  type NetworkSpec,
  ORDERINGS,
  type Ordering,
  validateBlock,
} from '@resblocks/spec';

/** A small seeded random block or network configuration with its input shape. */
export type RandomConfig =
  | { kind: 'block'; seed: number; contract: BlockContract; inputShape: number[] }
  | { kind: 'network'; seed: number; network: NetworkSpec; inputShape: number[] };

class Pick {
  constructor(private readonly rng: Mulberry32) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng.uniform() * (hi - lo + 1));
  }
  one<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  bool(p = 0.5): boolean {
    return this.rng.uniform() < p;
  }
}

export function randomBlock(seed: number): RandomConfig {
  const r = new Pick(new Mulberry32(fnv1a32(`block/${seed}`)));
  const kind = r.bool(0.4) ? 'basic' : 'bottleneck';
  const ordering: Ordering = r.one(ORDERINGS);
  const stride = r.one([1, 2]);
  let planes: number;
  let groups = 1;
  let baseWidth = 64;
  if (kind === 'basic') planes = r.int(2, 12);
  else {
    groups = r.one([1, 2, 4, 8]);
    baseWidth = r.one([4, 8, 16, 64]);
    // width = floor(planes * baseWidth / 64) * groups must be >= groups
    planes = Math.max(r.int(2, 12), Math.ceil(64 / baseWidth));
  }
  const out = planes * EXPANSION[kind];
  const sameChannels = r.bool(0.4);
  const inChannels = sameChannels ? out : r.int(2, 24);
  const identityOk = stride === 1 && inChannels === out;
  const shortcut = identityOk && r.bool(0.6) ? 'identity' : r.one(['projection', 'avgdown'] as const);
  const contract = validateBlock({
    kind,
    inChannels,
    planes,
    stride,
    groups,
    baseWidth,
    strideOn: kind === 'basic' ? '3x3' : r.one(['1x1', '3x3'] as const),
    shortcut,
    ordering,
    bnEps: r.one([1e-5, 1.001e-5, 1e-3]),
    convBias: r.bool(0.3),
  });
  return { kind: 'block', seed, contract, inputShape: [r.int(1, 3), inChannels, r.int(1, 12), r.int(1, 12)] };
}

export function randomNetwork(seed: number): RandomConfig {
  const r = new Pick(new Mulberry32(fnv1a32(`network/${seed}`)));
  const stages = r.int(2, 3);
  const block = r.one(['basic', 'bottleneck'] as const);
  const groups = block === 'basic' ? 1 : r.one([1, 2, 4]);
  const stem = r.one(['classic', 'deep', 'cifar'] as const);
  const network: NetworkSpec = {
    name: `random_${seed}`,
    block,
    layers: Array.from({ length: stages }, () => r.int(1, 2)),
    widths: [8, 16, 24].slice(0, stages),
    groups,
    baseWidth: block === 'basic' ? 64 : r.one([16, 32, 64]),
    stem,
    stemWidth: 8,
    strideOn: block === 'basic' ? '3x3' : r.one(['1x1', '3x3'] as const),
    shortcut: r.one(['projection', 'avgdown'] as const),
    ordering: r.one(['post', 'preact'] as const),
    bnEps: r.one([1e-5, 1.001e-5]),
    convBias: r.bool(0.3),
    inChannels: 3,
    numClasses: r.int(2, 12),
  };
  // Stride: classic/deep stems divide by 4, each later stage by 2 more.
  const reduction = (stem === 'cifar' ? 1 : 4) * 2 ** (stages - 1);
  const lo = reduction;
  return {
    kind: 'network',
    seed,
    network,
    inputShape: [r.int(1, 2), 3, r.int(lo, lo + 13), r.int(lo, lo + 13)],
  };
}

/** Even seeds give blocks, odd seeds small networks, so both kinds are always covered. */
export function randomConfig(seed: number): RandomConfig {
  return seed % 2 === 0 ? randomBlock(seed) : randomNetwork(seed);
}

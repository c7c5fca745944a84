import { ResblocksError } from '../errors.js';
import type { BlockKind, Ordering, ShortcutKind, StridePlacement } from './blocks.js';

export type StemKind = 'classic' | 'deep' | 'cifar';

/**
 * A whole network. Stage i has `layers[i]` blocks of `widths[i]` planes; the first block of every
 * stage after the first has stride 2. Downsampling blocks use `shortcut`; the rest use identity.
 */
export interface NetworkSpec {
  name: string;
  block: BlockKind;
  layers: readonly number[];
  widths: readonly number[];
  groups: number;
  baseWidth: number;
  /** 'classic': 7x7/2 conv + maxpool; 'deep': three 3x3 convs (ResNet-D) + maxpool; 'cifar': one 3x3 conv. */
  stem: StemKind;
  /** Channels of the first two convs of the deep stem. */
  stemWidth: number;
  strideOn: StridePlacement;
  shortcut: Exclude<ShortcutKind, 'identity'>;
  /** 'post' (v1) or 'preact' (v2, with a final BN + ReLU before pooling). */
  ordering: Extract<Ordering, 'post' | 'preact'>;
  bnEps: number;
  convBias: boolean;
  inChannels: number;
  numClasses: number;
}

const IMAGENET = [64, 128, 256, 512] as const;

function tv(name: string, block: BlockKind, layers: number[], extra: Partial<NetworkSpec> = {}): NetworkSpec {
  return {
    name,
    block,
    layers,
    widths: IMAGENET,
    groups: 1,
    baseWidth: 64,
    stem: 'classic',
    stemWidth: 32,
    strideOn: '3x3',
    shortcut: 'projection',
    ordering: 'post',
    bnEps: 1e-5,
    convBias: false,
    inChannels: 3,
    numClasses: 1000,
    ...extra,
  };
}

const B18 = [2, 2, 2, 2];
const B34 = [3, 4, 6, 3];
const B101 = [3, 4, 23, 3];
const B152 = [3, 8, 36, 3];

/** Every named network. torchvision names load torchvision state_dicts unchanged. */
export const NETWORKS: Readonly<Record<string, NetworkSpec>> = Object.fromEntries(
  [
    tv('resnet18', 'basic', B18),
    tv('resnet34', 'basic', B34),
    tv('resnet50', 'bottleneck', B34),
    tv('resnet101', 'bottleneck', B101),
    tv('resnet152', 'bottleneck', B152),
    tv('resnext50_32x4d', 'bottleneck', B34, { groups: 32, baseWidth: 4 }),
    tv('resnext101_32x8d', 'bottleneck', B101, { groups: 32, baseWidth: 8 }),
    tv('resnext101_64x4d', 'bottleneck', B101, { groups: 64, baseWidth: 4 }),
    tv('wide_resnet50_2', 'bottleneck', B34, { baseWidth: 128 }),
    tv('wide_resnet101_2', 'bottleneck', B101, { baseWidth: 128 }),
    // ResNet-D (Bag of Tricks): deep stem + average-pool downsample, timm's resnet50d names.
    tv('resnet50d', 'bottleneck', B34, { stem: 'deep', shortcut: 'avgdown' }),
    // The original v1 bottleneck as Keras builds it: stride on the first 1x1, conv bias, eps 1.001e-5.
    tv('resnet50_v1', 'bottleneck', B34, { strideOn: '1x1', convBias: true, bnEps: 1.001e-5 }),
    // Full pre-activation (ResNet v2, He et al. 2016).
    tv('preact_resnet18', 'basic', B18, { ordering: 'preact' }),
    tv('preact_resnet34', 'basic', B34, { ordering: 'preact' }),
    tv('preact_resnet50', 'bottleneck', B34, { ordering: 'preact' }),
    tv('preact_resnet101', 'bottleneck', B101, { ordering: 'preact' }),
    tv('preact_resnet152', 'bottleneck', B152, { ordering: 'preact' }),
    // CIFAR-style (He et al. 2015, section 4.2) with projection shortcuts; small enough for fast tests.
    tv('resnet20_cifar', 'basic', [3, 3, 3], { widths: [16, 32, 64], stem: 'cifar', numClasses: 10 }),
    tv('resnet8_cifar', 'basic', [1, 1, 1], { widths: [16, 32, 64], stem: 'cifar', numClasses: 10 }),
    // A small CIFAR-style ResNeXt: ResNeXt-29's three bottleneck blocks per stage, 8 groups of width
    // 4/8/16 (baseWidth 16), outputs 64/128/256 channels; about as costly as resnet20_cifar.
    tv('resnext29_8x4d_cifar', 'bottleneck', [3, 3, 3], {
      widths: [16, 32, 64],
      groups: 8,
      baseWidth: 16,
      stem: 'cifar',
      numClasses: 10,
    }),
  ].map((n) => [n.name, n]),
);

export const NETWORK_NAMES: readonly string[] = Object.keys(NETWORKS);

/** What may differ from a named network without changing its architecture. */
export interface NetworkOptions {
  /** Classes of the final fc layer (a fine-tuned model, e.g. 10 instead of ImageNet's 1000). */
  numClasses?: number;
}

/** The largest class count accepted: the fc layer must stay a sensible size. */
export const MAX_CLASSES = 1_000_000;

export function getNetwork(name: string, options: NetworkOptions = {}): NetworkSpec {
  const n = NETWORKS[name];
  if (!n) {
    throw new ResblocksError(
      'UNKNOWN_MODEL',
      `unknown model '${name}'; known models: ${NETWORK_NAMES.join(', ')}`,
      {
        model: name,
      },
    );
  }
  const { numClasses } = options;
  if (numClasses === undefined || numClasses === n.numClasses) return n;
  if (!Number.isSafeInteger(numClasses) || numClasses < 1 || numClasses > MAX_CLASSES) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `numClasses must be an integer from 1 to ${MAX_CLASSES}, got ${numClasses}`,
      { field: 'numClasses', network: name },
    );
  }
  return { ...n, numClasses };
}

export function validateNetwork(n: NetworkSpec): NetworkSpec {
  const bad = (field: string, msg: string) =>
    new ResblocksError('INVALID_CONTRACT', `network '${n.name}': ${msg}`, { field, network: n.name });
  if (
    !Array.isArray(n.layers) ||
    n.layers.length === 0 ||
    n.layers.some((l) => !Number.isInteger(l) || l <= 0)
  ) {
    throw bad('layers', `layers must be positive integers, got ${JSON.stringify(n.layers)}`);
  }
  if (n.widths.length !== n.layers.length || n.widths.some((w) => !Number.isInteger(w) || w <= 0)) {
    throw bad(
      'widths',
      `widths must be ${n.layers.length} positive integers, got ${JSON.stringify(n.widths)}`,
    );
  }
  for (const f of ['inChannels', 'numClasses', 'stemWidth', 'groups', 'baseWidth'] as const) {
    if (!Number.isInteger(n[f]) || n[f] <= 0) throw bad(f, `${f} must be a positive integer, got ${n[f]}`);
  }
  if (!['classic', 'deep', 'cifar'].includes(n.stem)) throw bad('stem', `unknown stem '${n.stem}'`);
  if (!['post', 'preact'].includes(n.ordering))
    throw bad('ordering', `networks use 'post' or 'preact', got '${n.ordering}'`);
  return n;
}

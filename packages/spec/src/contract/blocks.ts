import { ResblocksError } from '../errors.js';

/**
 * Where the residual branch applies its stride in a bottleneck:
 * - '1x1': on the first 1x1 convolution (the original ResNet v1, as in Keras);
 * - '3x3': on the 3x3 convolution (ResNet v1.5, as in torchvision).
 * Basic blocks always stride their first 3x3.
 */
export type StridePlacement = '1x1' | '3x3';

/**
 * The shortcut path:
 * - 'identity': x itself (needs stride 1 and equal channels);
 * - 'projection': 1x1 conv (with the block's stride) + BN;
 * - 'avgdown': ResNet-D, AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) when
 *   stride > 1, then a stride-1 1x1 conv + BN.
 * Under the full pre-activation ordering the projection has no BN (He et al. 2016).
 */
export type ShortcutKind = 'identity' | 'projection' | 'avgdown';

/**
 * The orderings of BN, ReLU and the addition from He et al. 2016, "Identity Mappings in Deep
 * Residual Networks", Fig. 4 (convs written c, last BN of the branch written bnL):
 * - 'post': c-BN-ReLU ... c-bnL, add, ReLU (original);
 * - 'bn-after-add': c-BN-ReLU ... c, add, bnL, ReLU;
 * - 'relu-before-add': c-BN-ReLU ... c-bnL-ReLU, add;
 * - 'relu-only-preact': ReLU-c-BN ... ReLU-c-bnL, add;
 * - 'preact': BN-ReLU-c ... BN-ReLU-c, add (full pre-activation, ResNet v2).
 */
export type Ordering = 'post' | 'bn-after-add' | 'relu-before-add' | 'relu-only-preact' | 'preact';

export const ORDERINGS: readonly Ordering[] = [
  'post',
  'bn-after-add',
  'relu-before-add',
  'relu-only-preact',
  'preact',
];

export type BlockKind = 'basic' | 'bottleneck';

/** One residual block, fully specified. Output channels = planes * expansion (1 basic, 4 bottleneck). */
export interface BlockContract {
  kind: BlockKind;
  inChannels: number;
  planes: number;
  stride: number;
  /** ResNeXt cardinality of the 3x3 conv. Basic blocks need 1. */
  groups: number;
  /** Width per group; the 3x3 width is floor(planes * baseWidth / 64) * groups (torchvision). */
  baseWidth: number;
  strideOn: StridePlacement;
  shortcut: ShortcutKind;
  ordering: Ordering;
  bnEps: number;
  convBias: boolean;
}

export const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** torchvision defaults: v1.5 bottleneck, post-activation, eps 1e-5, no conv bias. */
export function blockContract(partial: Partial<BlockContract> & Pick<BlockContract, 'kind'>): BlockContract {
  const planes = partial.planes ?? 16;
  const stride = partial.stride ?? 1;
  const kind = partial.kind;
  const out = planes * EXPANSION[kind];
  const inChannels = partial.inChannels ?? out;
  const contract: BlockContract = {
    kind,
    inChannels,
    planes,
    stride,
    groups: partial.groups ?? 1,
    baseWidth: partial.baseWidth ?? 64,
    strideOn: partial.strideOn ?? '3x3',
    shortcut: partial.shortcut ?? (stride === 1 && inChannels === out ? 'identity' : 'projection'),
    ordering: partial.ordering ?? 'post',
    bnEps: partial.bnEps ?? 1e-5,
    convBias: partial.convBias ?? false,
  };
  return validateBlock(contract);
}

export function blockOutChannels(b: BlockContract): number {
  return b.planes * EXPANSION[b.kind];
}

/** Channels of the 3x3 convolution (torchvision's `width`). */
export function blockWidth(b: BlockContract): number {
  if (b.kind === 'basic') return b.planes;
  return Math.floor((b.planes * b.baseWidth) / 64) * b.groups;
}

function positiveInt(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ResblocksError('INVALID_CONTRACT', `${name} must be a positive integer, got ${String(v)}`, {
      field: name,
      value: v,
    });
  }
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
      { field: name, value: v },
    );
  }
}

/** Checks every rule of the contract; returns it unchanged or throws INVALID_CONTRACT naming the rule. */
export function validateBlock(b: BlockContract): BlockContract {
  oneOf('kind', b.kind, ['basic', 'bottleneck']);
  positiveInt('inChannels', b.inChannels);
  positiveInt('planes', b.planes);
  positiveInt('stride', b.stride);
  positiveInt('groups', b.groups);
  positiveInt('baseWidth', b.baseWidth);
  oneOf('strideOn', b.strideOn, ['1x1', '3x3']);
  oneOf('shortcut', b.shortcut, ['identity', 'projection', 'avgdown']);
  oneOf('ordering', b.ordering, ORDERINGS);
  if (typeof b.bnEps !== 'number' || !(b.bnEps > 0) || !Number.isFinite(b.bnEps)) {
    throw new ResblocksError('INVALID_CONTRACT', `bnEps must be a positive finite number, got ${b.bnEps}`, {
      field: 'bnEps',
      value: b.bnEps,
    });
  }
  if (typeof b.convBias !== 'boolean') {
    throw new ResblocksError('INVALID_CONTRACT', `convBias must be a boolean, got ${String(b.convBias)}`, {
      field: 'convBias',
    });
  }
  if (b.kind === 'basic') {
    if (b.groups !== 1 || b.baseWidth !== 64) {
      throw new ResblocksError(
        'INVALID_CONTRACT',
        `basic block supports only groups=1 and baseWidth=64 (got groups=${b.groups}, baseWidth=${b.baseWidth})`,
        { field: b.groups !== 1 ? 'groups' : 'baseWidth', groups: b.groups, baseWidth: b.baseWidth },
      );
    }
    if (b.strideOn !== '3x3') {
      throw new ResblocksError('INVALID_CONTRACT', `basic block has no 1x1 conv: strideOn must be '3x3'`, {
        field: 'strideOn',
      });
    }
  }
  const width = blockWidth(b);
  if (width <= 0) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `3x3 width floor(${b.planes}*${b.baseWidth}/64)*${b.groups} is ${width}; increase planes or baseWidth`,
      { field: 'baseWidth', width },
    );
  }
  if (width % b.groups !== 0) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `groups=${b.groups} does not divide the 3x3 width ${width}`,
      {
        field: 'groups',
        groups: b.groups,
        width,
      },
    );
  }
  const out = blockOutChannels(b);
  if (b.shortcut === 'identity' && (b.stride !== 1 || b.inChannels !== out)) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `identity shortcut needs stride 1 and inChannels == outChannels (got stride ${b.stride}, ${b.inChannels} -> ${out})`,
      { field: 'shortcut', stride: b.stride, inChannels: b.inChannels, outChannels: out },
    );
  }
  return b;
}

import { type BlockContract, blockOutChannels, blockWidth, validateBlock } from '../contract/blocks.js';
import { type NetworkSpec, validateNetwork } from '../contract/networks.js';
import { GraphBuilder } from './builder.js';
import type { Graph } from './ir.js';

interface BranchConv {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  groups: number;
}

/** The convolutions of the residual branch, in order. */
function branchConvs(b: BlockContract): BranchConv[] {
  const out = blockOutChannels(b);
  if (b.kind === 'basic') {
    return [
      { inChannels: b.inChannels, outChannels: b.planes, kernel: 3, stride: b.stride, groups: 1 },
      { inChannels: b.planes, outChannels: out, kernel: 3, stride: 1, groups: 1 },
    ];
  }
  const width = blockWidth(b);
  const s1 = b.strideOn === '1x1' ? b.stride : 1;
  const s3 = b.strideOn === '3x3' ? b.stride : 1;
  return [
    { inChannels: b.inChannels, outChannels: width, kernel: 1, stride: s1, groups: 1 },
    { inChannels: width, outChannels: width, kernel: 3, stride: s3, groups: b.groups },
    { inChannels: width, outChannels: out, kernel: 1, stride: 1, groups: 1 },
  ];
}

/**
 * Emits one residual block reading value `x` under state_dict prefix `prefix` (e.g. `layer1.0`)
 * and returns the name of its output value. See blocks.ts for the meaning of each ordering.
 */
export function emitBlock(g: GraphBuilder, x: string, prefix: string, b: BlockContract): string {
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const convs = branchConvs(b);
  const last = convs.length;
  const out = blockOutChannels(b);
  const eps = b.bnEps;
  const conv = (h: string, i: number) => {
    const c = convs[i - 1]!;
    return g.conv(h, p(`conv${i}`), { ...c, pad: c.kernel === 3 ? 1 : 0, bias: b.convBias });
  };

  let h = x;
  let preActivated: string | undefined;
  let branchOut: string;
  switch (b.ordering) {
    case 'post':
    case 'bn-after-add':
    case 'relu-before-add': {
      for (let i = 1; i < last; i++)
        h = g.relu(g.bn(conv(h, i), p(`bn${i}`), convs[i - 1]!.outChannels, eps), p(`relu${i}`));
      h = conv(h, last);
      if (b.ordering !== 'bn-after-add') h = g.bn(h, p(`bn${last}`), out, eps, true);
      if (b.ordering === 'relu-before-add') h = g.relu(h, p(`relu${last}`));
      branchOut = h;
      break;
    }
    case 'relu-only-preact': {
      for (let i = 1; i <= last; i++) {
        h = g.bn(conv(g.relu(h, p(`relu${i}`)), i), p(`bn${i}`), convs[i - 1]!.outChannels, eps, i === last);
      }
      branchOut = h;
      break;
    }
    case 'preact': {
      for (let i = 1; i <= last; i++) {
        h = g.relu(g.bn(h, p(`bn${i}`), convs[i - 1]!.inChannels, eps, i === last), p(`relu${i}`));
        if (i === 1) preActivated = h;
        h = conv(h, i);
      }
      branchOut = h;
      break;
    }
  }

  // Full pre-activation projects the activated input with a bare conv (He et al. 2016).
  const preact = b.ordering === 'preact';
  const scIn = preact ? preActivated! : x;
  let shortcut = x;
  if (b.shortcut === 'projection') {
    const conv0 = g.conv(scIn, p('downsample.0'), {
      inChannels: b.inChannels,
      outChannels: out,
      kernel: 1,
      stride: b.stride,
      bias: b.convBias,
    });
    shortcut = preact ? conv0 : g.bn(conv0, p('downsample.1'), out, eps);
  } else if (b.shortcut === 'avgdown') {
    const pooled =
      b.stride > 1
        ? g.avgpool(scIn, p('downsample.0'), {
            kernel: 2,
            stride: b.stride,
            ceilMode: true,
            countIncludePad: false,
          })
        : scIn;
    const conv1 = g.conv(pooled, p('downsample.1'), {
      inChannels: b.inChannels,
      outChannels: out,
      kernel: 1,
      bias: b.convBias,
    });
    shortcut = preact ? conv1 : g.bn(conv1, p('downsample.2'), out, eps);
  }

  let y = g.add(branchOut, shortcut, p('add'));
  if (b.ordering === 'bn-after-add') y = g.bn(y, p(`bn${last}`), out, eps);
  if (b.ordering === 'post' || b.ordering === 'bn-after-add') y = g.relu(y, p('relu_out'));
  return y;
}

/** A single block as a graph with input `x` and no prefix on parameter names (conv1.weight, ...). */
export function lowerBlock(contract: BlockContract, name = 'block'): Graph {
  const b = validateBlock(contract);
  const g = new GraphBuilder(name, 'x', b.inChannels);
  return g.finish(emitBlock(g, 'x', '', b));
}

/** A whole network as a graph with input `x` [N,3,H,W] and output logits [N, classes]. */
export function lowerNetwork(spec: NetworkSpec): Graph {
  const n = validateNetwork(spec);
  const g = new GraphBuilder(n.name, 'x', n.inChannels);
  const eps = n.bnEps;
  const bias = n.convBias;
  let h = 'x';
  const stemOut = n.widths[0]!;
  if (n.stem === 'classic') {
    h = g.conv(h, 'conv1', {
      inChannels: n.inChannels,
      outChannels: stemOut,
      kernel: 7,
      stride: 2,
      pad: 3,
      bias,
    });
  } else if (n.stem === 'deep') {
    const w = n.stemWidth;
    h = g.conv(h, 'conv1.0', {
      inChannels: n.inChannels,
      outChannels: w,
      kernel: 3,
      stride: 2,
      pad: 1,
      bias,
    });
    h = g.relu(g.bn(h, 'conv1.1', w, eps), 'conv1.2');
    h = g.conv(h, 'conv1.3', { inChannels: w, outChannels: w, kernel: 3, pad: 1, bias });
    h = g.relu(g.bn(h, 'conv1.4', w, eps), 'conv1.5');
    h = g.conv(h, 'conv1.6', { inChannels: w, outChannels: stemOut, kernel: 3, pad: 1, bias });
  } else {
    h = g.conv(h, 'conv1', {
      inChannels: n.inChannels,
      outChannels: stemOut,
      kernel: 3,
      stride: 1,
      pad: 1,
      bias,
    });
  }
  h = g.relu(g.bn(h, 'bn1', stemOut, eps), 'relu');
  if (n.stem !== 'cifar') h = g.maxpool(h, 'maxpool', 3, 2, 1);

  let channels = stemOut;
  for (const [stage, blocks] of n.layers.entries()) {
    const planes = n.widths[stage]!;
    for (let j = 0; j < blocks; j++) {
      const stride = j === 0 && stage > 0 ? 2 : 1;
      const out = planes * (n.block === 'basic' ? 1 : 4);
      const needsProjection = stride !== 1 || channels !== out;
      const contract = validateBlock({
        kind: n.block,
        inChannels: channels,
        planes,
        stride,
        groups: n.groups,
        baseWidth: n.baseWidth,
        strideOn: n.strideOn,
        shortcut: needsProjection ? n.shortcut : 'identity',
        ordering: n.ordering,
        bnEps: eps,
        convBias: bias,
      });
      h = emitBlock(g, h, `layer${stage + 1}.${j}`, contract);
      channels = out;
    }
  }
  if (n.ordering === 'preact') h = g.relu(g.bn(h, 'bn_final', channels, eps), 'relu_final');
  h = g.flatten(g.globalAvgPool(h, 'avgpool'), 'flatten');
  return g.finish(g.linear(h, 'fc', channels, n.numClasses));
}

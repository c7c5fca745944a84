import * as tf from '@tensorflow/tfjs-core';
import type { TfjsBackend } from './engine.js';
import { type GroupedConvAttrs, registerGroupedConv, runGroupedConv } from './kernels/grouped-conv.js';
import { blockDiagonalHWIO, type ConvWeight, depthwiseHWIM, perGroupHWIO, toHWIO } from './layout.js';

/**
 * tfjs conv2d has no `groups`, so a grouped convolution (ResNeXt) is either our own kernel or built
 * from other ops:
 * - 'kernel': one WGSL (webgpu) or GLSL (webgl) program that reads only each group's own input
 *   channels, bias and ReLU fused (src/kernels/). GPU backends only.
 * - 'dense': one conv with a block-diagonal filter (zeros between groups). groups x the
 *   arithmetic in a single big kernel; a NaN or Inf in one group reaches every output (0 x Inf).
 * - 'depthwise': depthwise conv with channel multiplier outPerGroup, then a reshape and a sum over
 *   the inPerGroup contributions of each group. Same arithmetic as the grouped conv.
 * - 'split': split the channels, one conv per group, concat. Many small kernels.
 */
export type GroupedConvStrategy = 'kernel' | 'dense' | 'depthwise' | 'split';

export const GROUPED_CONV_STRATEGIES: readonly GroupedConvStrategy[] = [
  'kernel',
  'dense',
  'depthwise',
  'split',
];

/**
 * Chosen by measurement (`npm run bench -w @resblocks/tfjs -- --models resnet50,resnext50_32x4d
 * --grouped all`; the figures are in the tfjs API docs). On wasm and cpu the depthwise form does the
 * grouped conv's own arithmetic and wins; on the GPU backends our own kernel ('kernel') beats the
 * block-diagonal 'dense' conv, which does groups x the arithmetic.
 */
export function defaultGroupedStrategy(backend: TfjsBackend, nativePackage?: string): GroupedConvStrategy {
  switch (backend) {
    case 'webgpu':
    case 'webgl':
      return 'kernel';
    case 'tensorflow':
      return nativePackage?.endsWith('-gpu') ? 'dense' : 'depthwise';
    default:
      return 'depthwise';
  }
}

export type Padding = [[number, number], [number, number], [number, number], [number, number]];

export interface ConvOp {
  /** NHWC in, NHWC out (bias added, optional ReLU applied). */
  apply(x: tf.Tensor4D): tf.Tensor4D;
  readonly tensors: tf.Tensor[];
}

interface ConvArgs {
  weight: ConvWeight;
  groups: number;
  bias?: Float32Array;
  stride: [number, number];
  dilation: [number, number];
  pad: Padding;
  relu: boolean;
}

function addBiasRelu(y: tf.Tensor4D, bias: tf.Tensor1D | undefined, relu: boolean): tf.Tensor4D {
  let r = bias ? tf.add(y, bias) : y;
  if (relu) r = tf.relu(r);
  return r as tf.Tensor4D;
}

export function denseConv(a: ConvArgs, hwio: Float32Array, inChannels: number): ConvOp {
  const { kh, kw, out } = a.weight;
  const filter = tf.tensor4d(hwio, [kh, kw, inChannels, out]);
  const bias = a.bias ? tf.tensor1d(a.bias) : undefined;
  return {
    tensors: bias ? [filter, bias] : [filter],
    apply: (x) =>
      tf.fused.conv2d({
        x,
        filter,
        strides: a.stride,
        pad: a.pad,
        dataFormat: 'NHWC',
        dilations: a.dilation,
        ...(bias ? { bias } : {}),
        activation: a.relu ? 'relu' : 'linear',
      }),
  };
}

export function groupedConv(a: ConvArgs, strategy: GroupedConvStrategy): ConvOp {
  const { weight: w, groups } = a;
  const cin = w.inPerGroup * groups;
  if (strategy === 'kernel') return kernelConv(a);
  if (strategy === 'dense') return denseConv(a, blockDiagonalHWIO(w, groups), cin);
  const outPerGroup = w.out / groups;
  const bias = a.bias ? tf.tensor1d(a.bias) : undefined;
  if (strategy === 'depthwise') {
    const filter = tf.tensor4d(depthwiseHWIM(w, groups), [w.kh, w.kw, cin, outPerGroup]);
    return {
      tensors: bias ? [filter, bias] : [filter],
      apply: (x) => {
        // Depthwise output channel (g*inPerGroup + i)*outPerGroup + m: sum over i per (g, m).
        const d = tf.depthwiseConv2d(x, filter, a.stride, a.pad, 'NHWC', a.dilation);
        const [n, h, wd] = d.shape;
        if (w.inPerGroup === 1) return addBiasRelu(d, bias, a.relu);
        const s = tf.sum(tf.reshape(d, [n * h * wd * groups, w.inPerGroup, outPerGroup]), 1);
        return addBiasRelu(tf.reshape(s, [n, h, wd, w.out]), bias, a.relu);
      },
    };
  }
  const filters = perGroupHWIO(w, groups).map((f) => tf.tensor4d(f, [w.kh, w.kw, w.inPerGroup, outPerGroup]));
  const biases = a.bias
    ? Array.from({ length: groups }, (_, g) =>
        tf.tensor1d(a.bias!.subarray(g * outPerGroup, (g + 1) * outPerGroup)),
      )
    : undefined;
  bias?.dispose();
  return {
    tensors: [...filters, ...(biases ?? [])],
    apply: (x) => {
      const parts = tf.split(x, groups, 3) as tf.Tensor4D[];
      const ys = parts.map((p, g) =>
        tf.fused.conv2d({
          x: p,
          filter: filters[g]!,
          strides: a.stride,
          pad: a.pad,
          dataFormat: 'NHWC',
          dilations: a.dilation,
          ...(biases ? { bias: biases[g]! } : {}),
          activation: a.relu ? 'relu' : 'linear',
        }),
      );
      return tf.concat(ys, 3) as tf.Tensor4D;
    },
  };
}

/** The grouped-conv kernel of the active backend; filter [kh, kw, inPerGroup, out]. */
function kernelConv(a: ConvArgs): ConvOp {
  registerGroupedConv(tf.getBackend());
  const { weight: w } = a;
  const filter = tf.tensor4d(toHWIO(w), [w.kh, w.kw, w.inPerGroup, w.out]);
  const bias = a.bias ? tf.tensor1d(a.bias) : undefined;
  const [, [pt, pb], [pl, pr]] = a.pad;
  const attrs: GroupedConvAttrs = {
    groups: a.groups,
    stride: a.stride,
    dilation: a.dilation,
    pads: [pt, pl, pb, pr],
    relu: a.relu,
  };
  return {
    tensors: bias ? [filter, bias] : [filter],
    apply: (x) => runGroupedConv(x, filter, bias, attrs),
  };
}

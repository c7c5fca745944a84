import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The attributes both GPU kernels take (tfjs passes them through runKernel). */
export interface GroupedConvAttrs {
  groups: number;
  stride: [number, number];
  dilation: [number, number];
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  relu: boolean;
}

export interface GroupedConvShape {
  n: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  inPerGroup: number;
  outPerGroup: number;
  out: number;
  oh: number;
  ow: number;
}

/** Output size along one axis, as PyTorch computes it. */
function outSize(size: number, k: number, stride: number, dilation: number, padSum: number): number {
  return Math.floor((size + padSum - dilation * (k - 1) - 1) / stride) + 1;
}

/** Sizes of a grouped convolution of x [n, h, w, cin] with filter [kh, kw, cin / groups, out]. */
export function groupedConvShape(x: TensorInfo, filter: TensorInfo, a: GroupedConvAttrs): GroupedConvShape {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const [kh, kw, inPerGroup, out] = filter.shape as [number, number, number, number];
  const outPerGroup = out / a.groups;
  if (inPerGroup * a.groups !== cin || !Number.isInteger(outPerGroup)) {
    throw new Error(
      `grouped conv: input [${x.shape}] and filter [${filter.shape}] do not fit groups=${a.groups}`,
    );
  }
  const [pt, pl, pb, pr] = a.pads;
  return {
    n,
    h,
    w,
    kh,
    kw,
    inPerGroup,
    outPerGroup,
    out,
    oh: outSize(h, kh, a.stride[0], a.dilation[0], pt + pb),
    ow: outSize(w, kw, a.stride[1], a.dilation[1], pl + pr),
  };
}

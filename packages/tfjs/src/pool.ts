import { type AvgPoolNode, type MaxPoolNode, poolWindow } from '@resblocks/spec';

/**
 * PyTorch pooling on tfjs: tfjs pools only with 'valid'/'same' windows and its avgPool never
 * counts padding, so the input is padded explicitly (-inf for max, zero for average) and the
 * pooling runs 'valid'. ceil_mode adds the extra bottom/right rows the last window needs.
 */
export interface PoolPlan {
  /** [[0,0],[top,bottom],[left,right],[0,0]] including the ceil_mode extension. */
  readonly paddings: [[number, number], [number, number], [number, number], [number, number]];
  readonly outH: number;
  readonly outW: number;
}

export function poolPlan(
  node: MaxPoolNode | AvgPoolNode,
  h: number,
  w: number,
  outH: number,
  outW: number,
): PoolPlan {
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [pt, pl, pb, pr] = node.pads;
  const extraB = Math.max(0, (outH - 1) * sh + kh - (h + pt + pb));
  const extraR = Math.max(0, (outW - 1) * sw + kw - (w + pl + pr));
  return {
    paddings: [
      [0, 0],
      [pt, pb + extraB],
      [pl, pr + extraR],
      [0, 0],
    ],
    outH,
    outW,
  };
}

/**
 * Per output position, kh*kw / divisor, where divisor is PyTorch's: the window clipped to the
 * input plus explicit padding (count_include_pad) or to the input alone. A 'valid' tfjs avgPool
 * over the zero-padded input divides by kh*kw; multiplying by this map gives PyTorch's average.
 */
export function avgPoolRescale(
  node: AvgPoolNode,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float32Array {
  const [kh, kw] = node.kernel;
  const map = new Float32Array(outH * outW);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++) {
      const { y0, y1, x0, x1, padded } = poolWindow(node, h, w, oy, ox);
      const divisor = node.countIncludePad ? padded : (y1 - y0) * (x1 - x0);
      map[oy * outW + ox] = (kh * kw) / divisor;
    }
  return map;
}

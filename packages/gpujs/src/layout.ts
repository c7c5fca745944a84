/**
 * How a value lives between kernels. Activations are rank 3, gpu.js output [W, H, N*C], read as
 * v[n*C + c][y][x]: the flat order is exactly NCHW, and only the z index needs splitting into
 * (n, c). Pooled features and logits are rank 1, [N*C], read as v[i].
 */
export interface Layout {
  readonly rank: 1 | 3;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

export function rank3(shape: readonly number[]): Layout {
  const [n, c, h, w] = shape as [number, number, number, number];
  return { rank: 3, n, c, h, w };
}

export function rank1(n: number, c: number): Layout {
  return { rank: 1, n, c, h: 1, w: 1 };
}

/** gpu.js output dimensions (x fastest). */
export function outputDims(l: Layout): number[] {
  return l.rank === 3 ? [l.w, l.h, l.n * l.c] : [l.n * l.c];
}

export function elements(l: Layout): number {
  return l.n * l.c * l.h * l.w;
}

/**
 * How a value lives between kernels. Activations are rank 3 (NCHW, or channel-blocked
 * `[N][C/4][H][W][4]` when `c4`: the order an `Array(4)` return over 4 channels writes); pooled
 * features and logits are rank 1, `[N*C]`. Which kernel family a backend runs decides whether
 * its activations are ever blocked (kernel-family.ts).
 */
export interface Layout {
  readonly rank: 1 | 3;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  /** Channel-blocked `[N][C/4][H][W][4]`; otherwise NCHW (rank 1: `[N*C]`). */
  readonly c4: boolean;
}

export function rank3(n: number, c: number, h: number, w: number, blocked: boolean): Layout {
  return { rank: 3, n, c, h, w, c4: blocked && c % 4 === 0 };
}

export function rank1(n: number, c: number): Layout {
  return { rank: 1, n, c, h: 1, w: 1, c4: false };
}

export function elements(l: Layout): number {
  return l.n * l.c * l.h * l.w;
}

/** Whether a value in layout `b` can be added elementwise to one in layout `a`. */
export function sameLayout(a: Layout, b: Layout): boolean {
  return a.rank === b.rank && a.c4 === b.c4 && elements(a) === elements(b);
}

/** Copies a channel-blocked value into NCHW order (returns NCHW values as they are). */
export function unblock(src: Float32Array, l: Layout): Float32Array {
  if (!l.c4) return src;
  const out = new Float32Array(src.length);
  const hw = l.h * l.w;
  const c4 = l.c / 4;
  for (let n = 0; n < l.n; n++)
    for (let b = 0; b < c4; b++)
      for (let p = 0; p < hw; p++) {
        const s = ((n * c4 + b) * hw + p) * 4;
        const d = (n * l.c + b * 4) * hw + p;
        for (let j = 0; j < 4; j++) out[d + j * hw] = src[s + j]!;
      }
  return out;
}

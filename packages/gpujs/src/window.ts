import type { AvgPoolNode, Conv2dNode, MaxPoolNode } from '@resblocks/spec';

/** A conv or pool node's window, unpacked once for both kernel families' source generators. */
export function windowOf(node: Conv2dNode | MaxPoolNode | AvgPoolNode) {
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [pt, pl, pb, pr] = node.pads;
  return { kh, kw, sh, sw, pt, pl, pb, pr };
}

/** A convolution's window, dilation and channels per group. */
export function convGeometry(node: Conv2dNode) {
  const [dh, dw] = node.dilation;
  return {
    ...windowOf(node),
    dh,
    dw,
    icpg: node.inChannels / node.groups,
    ocpg: node.outChannels / node.groups,
  };
}

export interface WindowLoop {
  readonly kh: number;
  readonly kw: number;
  /** Expressions of the window's first input row and column. */
  readonly y0: string;
  readonly x0: string;
  /** Taps this far apart (a dilated convolution); pools step by 1. */
  readonly dilation?: readonly [number, number];
  /** [from, to): the input rows and columns a tap must lie in to be read. */
  readonly rows: readonly [string | number, string | number];
  readonly cols: readonly [string | number, string | number];
  /** `const iy`/`ix` per tap, or assignments to integer locals declared before (blocked family). */
  readonly declare: boolean;
}

/** Kernel source lines running `body` at every in-bounds tap (iy, ix) of a kh x kw window. */
export function windowLoop(w: WindowLoop, body: readonly string[]): string[] {
  const set = w.declare ? 'const ' : '';
  const tap = (k: string, d: number | undefined) => (d === undefined ? k : `${k} * ${d}`);
  return [
    `for (let ky = 0; ky < ${w.kh}; ky++) {`,
    `  ${set}iy = ${w.y0} + ${tap('ky', w.dilation?.[0])};`,
    `  if (iy >= ${w.rows[0]} && iy < ${w.rows[1]}) {`,
    `    for (let kx = 0; kx < ${w.kw}; kx++) {`,
    `      ${set}ix = ${w.x0} + ${tap('kx', w.dilation?.[1])};`,
    `      if (ix >= ${w.cols[0]} && ix < ${w.cols[1]}) {`,
    ...body.map((l) => `        ${l}`),
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

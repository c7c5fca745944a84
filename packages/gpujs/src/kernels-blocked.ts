import type { AvgPoolNode, MaxPoolNode } from '@resblocks/spec';
import type { KernelFamily, KernelSource } from './kernel-family.js';
import type { Layout } from './layout.js';
import type { Step } from './plan.js';
import { convGeometry, windowLoop, windowOf } from './window.js';

/**
 * The channel-blocked kernel family, for gpu.js's webasm and webgpu modes. Each thread returns 4
 * output channels (`Array(4)`) at one output pixel, so every input read feeds 4 multiply-adds and
 * the weights a thread reads are shared by all threads of its channel block:
 *
 * - **`thread.x` runs along the output pixels**, `thread.y` along `N*C/4` channel blocks. In wasm,
 *   SIMD lanes are 4 consecutive `thread.x` cells and a lane-varying load is a 4-load gather,
 *   while a load that depends only on `thread.y` is one scalar load: the weights stay uniform
 *   across lanes. On a GPU the weights of a channel block are the same for every thread of a row.
 * - **Values are flat 1-D arrays** between kernels, channel-blocked `[N][C/4][H][W][4]` ("c4",
 *   the packing an `Array(4)` return writes) whenever C is a multiple of 4, else NCHW.
 * - **Index math is i32.** gpu.js types a local declared from an integer expression as a float;
 *   only locals incremented with `++` somewhere stay integers. Every index local is therefore
 *   declared `= 0`, assigned, and bumped once before `return` (`Body`), so the inner loops
 *   advance integer pointers. Loops over kernel taps and the 4 channels of a block are unrolled,
 *   and weights are re-laid out at build time in the exact order the loops read them.
 * - **Padding is a separate kernel**, so convolutions have no bounds checks: a lane-varying branch
 *   is predicated (both sides run) in wasm SIMD and diverges on a GPU.
 */
/** Builds a kernel body whose integer locals stay i32 (see above). */
class Body {
  private readonly ints: string[] = [];
  readonly lines: string[] = [];
  int(name: string, expr: string): this {
    this.ints.push(name);
    this.lines.push(`let ${name} = 0;`, `${name} = ${expr};`);
    return this;
  }
  push(...l: string[]): this {
    this.lines.push(...l);
    return this;
  }
  /** Declares (n, c) from thread.y for a [.., N*C] grid; c counts blocks when `cz` is C/4. */
  batchChannel(n: number, cz: number): this {
    this.int('z', 'this.thread.y');
    if (n === 1) return this.int('n', '0').int('c', 'z');
    return this.int('n', `Math.floor((z + 0.5) / ${cz})`).int('c', `z - n * ${cz}`);
  }
  /** (oy, ox) from thread.x over an output of width `w`. */
  position(w: number): this {
    this.int('p', 'this.thread.x');
    return this.int('oy', `Math.floor((p + 0.5) / ${w})`).int('ox', `p - oy * ${w}`);
  }
  finish(params: readonly string[], ret: string): string {
    const bump = this.ints.map((i) => `${i}++;`);
    return `function (${params.join(', ')}) {\n${[...this.lines, ...bump, `return ${ret};`].join('\n')}\n}`;
  }
}

const acc = (j: number) => `a${j}`;
const rets = (l: Layout) => (l.c4 ? '[a0, a1, a2, a3]' : 'a0');
const lanes = (l: Layout) => (l.c4 ? 4 : 1);

/**
 * Fused epilogue on accumulators a0..a3 (channel c*4+j for c4, c otherwise), in order.
 * Add operands have the output's layout and are read at this thread's cell.
 */
function epilogue(
  b: Body,
  y: Layout,
  bias: Float32Array | undefined,
  steps: readonly Step[],
  constants: Record<string, Float32Array>,
  params: string[],
): void {
  const k = lanes(y);
  const ch = (j: number) => (y.c4 ? `c * 4 + ${j}` : 'c');
  if (bias) {
    constants.b = bias;
    for (let j = 0; j < k; j++) b.push(`${acc(j)} = ${acc(j)} + this.constants.b[${ch(j)}];`);
  }
  const hw = y.h * y.w;
  steps.forEach((s, i) => {
    switch (s.kind) {
      case 'add': {
        const r = `r${params.length - 1}`;
        params.push(r);
        for (let j = 0; j < k; j++) {
          const at = y.rank === 1 ? 'i' : y.c4 ? `(z * ${hw} + p) * 4 + ${j}` : `z * ${hw} + p`;
          b.push(`${acc(j)} = ${acc(j)} + ${r}[${at}];`);
        }
        break;
      }
      case 'affine':
        constants[`s${i}`] = s.scale;
        constants[`t${i}`] = s.shift;
        for (let j = 0; j < k; j++)
          b.push(`${acc(j)} = ${acc(j)} * this.constants.s${i}[${ch(j)}] + this.constants.t${i}[${ch(j)}];`);
        break;
      case 'relu':
        // `a < 0` is false for NaN, so NaN passes through as in PyTorch.
        for (let j = 0; j < k; j++) b.push(`if (${acc(j)} < 0) { ${acc(j)} = 0; }`);
        break;
    }
  });
}

/** Zero padding [pt, pl, pb, pr] around each channel plane, layout preserved. */
function padSource(x: Layout, y: Layout, pt: number, pl: number): KernelSource {
  const b = new Body().batchChannel(x.n, x.c4 ? x.c / 4 : x.c).position(y.w);
  b.int('iy', `oy - ${pt}`).int('ix', `ox - ${pl}`);
  const k = lanes(x);
  for (let j = 0; j < k; j++) b.push(`let ${acc(j)} = 0;`);
  b.push(`if (iy >= 0 && iy < ${x.h} && ix >= 0 && ix < ${x.w}) {`);
  for (let j = 0; j < k; j++) {
    const at = x.c4
      ? `(z * ${x.h * x.w} + iy * ${x.w} + ix) * 4 + ${j}`
      : `z * ${x.h * x.w} + iy * ${x.w} + ix`;
    b.push(`  ${acc(j)} = x[${at}];`);
  }
  b.push('}');
  return { source: b.finish(['x'], rets(y)), constants: {} };
}

/**
 * Direct convolution over an already padded input `x` (Hp x Wp), one thread per output pixel and
 * (c4) 4 output channels. Grouped natively: each channel reads only its group's inputs. When the
 * 4 channels share a group, one loop feeds 4 accumulators from each input read; otherwise each
 * channel runs its own loop.
 */
const convSource: KernelFamily['conv'] = (node, x, y, weight, bias, steps) => {
  const { kh, kw, sh, sw, dh, dw, icpg, ocpg } = convGeometry(node);
  const taps = kh * kw;
  const hwp = x.h * x.w;
  // How input channels are walked: 4 at a time from a c4 value, or one by one.
  const mode = x.c4 ? (icpg % 4 === 0 ? 'block' : 'chan') : 'plain';
  const jin = mode === 'block' ? 4 : 1;
  const kb = icpg / jin;
  const unit = x.c4 ? 4 : 1;
  const shared = y.c4 && ocpg % 4 === 0;
  const outs = shared ? 4 : 1;

  // Weights in the exact order the loops read them: [oc4 | oc][kb][tap][jin][jout].
  const groupsOf = y.c4 ? node.outChannels / 4 : node.outChannels;
  const perGroup = shared ? 1 : lanes(y);
  const w = new Float32Array(weight.length);
  let o = 0;
  for (let g = 0; g < groupsOf; g++)
    for (let e = 0; e < perGroup; e++)
      for (let b = 0; b < kb; b++)
        for (let t = 0; t < taps; t++)
          for (let i = 0; i < jin; i++)
            for (let j = 0; j < outs; j++) {
              const oc = shared ? g * 4 + j : y.c4 ? g * 4 + e : g;
              const ic = b * jin + i;
              w[o++] = weight[(oc * icpg + ic) * taps + t]!;
            }
  const constants: Record<string, Float32Array> = { w };
  const params = ['x'];
  const b = new Body().batchChannel(y.n, y.c4 ? y.c / 4 : y.c);
  const direct = sh === 1 && sw === 1 && kh === 1 && kw === 1 && x.w === y.w;
  if (direct) b.int('p', 'this.thread.x').int('q', 'p');
  else b.position(y.w).int('q', `oy * ${sh * x.w} + ox * ${sw}`);
  b.int('xp', '0').int('wp', '0').int('g', '0');
  for (let j = 0; j < lanes(y); j++) b.push(`let ${acc(j)} = 0;`);
  b.push('let v = 0;');
  const xc4 = x.c / 4;

  let loops = 0;
  const loop = (first: string, accs: number[], wBase: string) => {
    const k = `k${loops++}`;
    // Group of this output channel, and the pointer to its first input channel.
    b.push(node.groups === 1 ? 'g = 0;' : `g = Math.floor((${first} + 0.5) / ${ocpg});`);
    if (mode === 'block') b.push(`xp = ((n * ${xc4} + g * ${icpg / 4}) * ${hwp} + q) * 4;`);
    else if (mode === 'plain') b.push(`xp = (n * ${x.c} + g * ${icpg}) * ${hwp} + q;`);
    b.push(`wp = ${wBase};`);
    b.push(`for (let ${k} = 0; ${k} < ${kb}; ${k}++) {`);
    if (mode === 'chan') {
      b.push(
        `  xp = ((n * ${xc4} + ((g * ${icpg} + ${k}) >> 2)) * ${hwp} + q) * 4 + ((g * ${icpg} + ${k}) & 3);`,
      );
    }
    let wo = 0;
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++)
        for (let i = 0; i < jin; i++) {
          const off = (ky * dh * x.w + kx * dw) * unit + i;
          b.push(`  v = x[xp + ${off}];`);
          for (const j of accs) b.push(`  ${acc(j)} += v * this.constants.w[wp + ${wo++}];`);
        }
    if (mode !== 'chan') b.push(`  xp = xp + ${hwp * unit};`);
    b.push(`  wp = wp + ${wo};`, '}');
  };
  const block = kb * taps * jin;
  if (shared) loop('c * 4', [0, 1, 2, 3], `c * ${block * 4}`);
  else if (y.c4) for (let j = 0; j < 4; j++) loop(`c * 4 + ${j}`, [j], `(c * 4 + ${j}) * ${block}`);
  else loop('c', [0], `c * ${block}`);
  epilogue(b, y, bias, steps, constants, params);
  return { source: b.finish(params, rets(y)), constants };
};

/** Relu / affine / add chain on one value, layout preserved. */
function eltwiseSource(l: Layout, steps: readonly Step[]): KernelSource {
  const constants: Record<string, Float32Array> = {};
  const params = ['x'];
  const b = new Body();
  if (l.rank === 1) {
    b.int('i', 'this.thread.x');
    if (steps.some((s) => s.kind === 'affine'))
      b.int('n', `Math.floor((i + 0.5) / ${l.c})`).int('c', `i - n * ${l.c}`);
    b.push('let a0 = x[i];');
  } else {
    b.batchChannel(l.n, l.c4 ? l.c / 4 : l.c).int('p', 'this.thread.x');
    for (let j = 0; j < lanes(l); j++)
      b.push(`let ${acc(j)} = x[${l.c4 ? `(z * ${l.h * l.w} + p) * 4 + ${j}` : `z * ${l.h * l.w} + p`}];`);
  }
  epilogue(b, l, undefined, steps, constants, params);
  return { source: b.finish(params, rets(l)), constants };
}

/** NCHW input -> this package's layout for it. */
function uploadSource(l: Layout): KernelSource {
  const b = new Body().batchChannel(l.n, l.c4 ? l.c / 4 : l.c).int('p', 'this.thread.x');
  const hw = l.h * l.w;
  for (let j = 0; j < lanes(l); j++)
    b.push(`let ${acc(j)} = x[${l.c4 ? `(z * 4 + ${j}) * ${hw} + p` : `z * ${hw} + p`}];`);
  return { source: b.finish(['x'], rets(l)), constants: {} };
}

/** Reads channel j of this thread's block at input position (iy, ix). */
const at = (x: Layout, j: number, iy: string, ix: string) =>
  x.c4
    ? `x[(z * ${x.h * x.w} + ${iy} * ${x.w} + ${ix}) * 4 + ${j}]`
    : `x[z * ${x.h * x.w} + ${iy} * ${x.w} + ${ix}]`;

/**
 * PyTorch max pooling: padding never wins (each window is seeded with an in-bounds element) and
 * a NaN anywhere in the window wins (`e != e`), as in ATen.
 */
function maxPoolSource(node: MaxPoolNode, x: Layout, y: Layout): KernelSource {
  const { kh, kw, sh, sw, pt, pl } = windowOf(node);
  const b = new Body().batchChannel(x.n, x.c4 ? x.c / 4 : x.c).position(y.w);
  b.int('y0', `oy * ${sh} - ${pt}`).int('x0', `ox * ${sw} - ${pl}`);
  b.int('ys', 'Math.max(y0, 0)').int('xs', 'Math.max(x0, 0)').int('iy', '0').int('ix', '0');
  for (let j = 0; j < lanes(x); j++) b.push(`let ${acc(j)} = ${at(x, j, 'ys', 'xs')};`);
  b.push('let e = 0;');
  const tap: string[] = [];
  for (let j = 0; j < lanes(x); j++)
    tap.push(`e = ${at(x, j, 'iy', 'ix')};`, `if (e > ${acc(j)} || e != e) { ${acc(j)} = e; }`);
  b.push(...windowLoop({ kh, kw, y0: 'y0', x0: 'x0', rows: [0, x.h], cols: [0, x.w], declare: false }, tap));
  return { source: b.finish(['x'], rets(y)), constants: {} };
}

/** PyTorch average pooling window arithmetic (ceil mode, count_include_pad on or off). */
function avgPoolSource(node: AvgPoolNode, x: Layout, y: Layout): KernelSource {
  const { kh, kw, sh, sw, pt, pl, pb, pr } = windowOf(node);
  const b = new Body().batchChannel(x.n, x.c4 ? x.c / 4 : x.c).position(y.w);
  b.int('y0', `oy * ${sh} - ${pt}`).int('x0', `ox * ${sw} - ${pl}`);
  b.int('y1', `Math.min(y0 + ${kh}, ${x.h + pb})`).int('x1', `Math.min(x0 + ${kw}, ${x.w + pr})`);
  b.int('ys', 'Math.max(y0, 0)').int('xs', 'Math.max(x0, 0)');
  b.int('ye', `Math.min(y1, ${x.h})`).int('xe', `Math.min(x1, ${x.w})`).int('iy', '0').int('ix', '0');
  for (let j = 0; j < lanes(x); j++) b.push(`let ${acc(j)} = 0;`);
  const tap: string[] = [];
  for (let j = 0; j < lanes(x); j++) tap.push(`${acc(j)} += ${at(x, j, 'iy', 'ix')};`);
  b.push(
    ...windowLoop(
      { kh, kw, y0: 'y0', x0: 'x0', rows: ['ys', 'ye'], cols: ['xs', 'xe'], declare: false },
      tap,
    ),
  );
  const div = node.countIncludePad ? '((y1 - y0) * (x1 - x0))' : '((ye - ys) * (xe - xs))';
  for (let j = 0; j < lanes(x); j++) b.push(`${acc(j)} = ${acc(j)} / ${div};`);
  return { source: b.finish(['x'], rets(y)), constants: {} };
}

/** Global average pool -> rank 1 [N*C]. */
function gapSource(x: Layout): KernelSource {
  const b = new Body().int('i', 'this.thread.x');
  if (x.rank === 1) return { source: b.finish(['x'], 'x[i]'), constants: {} };
  const hw = x.h * x.w;
  b.int('n', `Math.floor((i + 0.5) / ${x.c})`).int('c', `i - n * ${x.c}`);
  b.int('xp', x.c4 ? `(n * ${x.c / 4} + (c >> 2)) * ${hw * 4} + (c & 3)` : `i * ${hw}`);
  b.push(
    'let s = 0;',
    `for (let k = 0; k < ${hw}; k++) {`,
    '  s += x[xp];',
    `  xp = xp + ${x.c4 ? 4 : 1};`,
    '}',
  );
  return { source: b.finish(['x'], `s / ${hw}`), constants: {} };
}

/** y[n, o] = b[o] + sum_k w[o, k] x[n, k], k over the NCHW-flattened input. */
const linearSource: KernelFamily['linear'] = (node, x, weight, bias) => {
  const fi = node.inFeatures;
  const fo = node.outFeatures;
  // Transposed to [in][out]: neighbouring threads (outputs) read neighbouring weights.
  const w = new Float32Array(weight.length);
  for (let o = 0; o < fo; o++) for (let k = 0; k < fi; k++) w[k * fo + o] = weight[o * fi + k]!;
  const constants: Record<string, Float32Array> = { w };
  const b = new Body().int('i', 'this.thread.x');
  b.int('n', `Math.floor((i + 0.5) / ${fo})`).int('o', `i - n * ${fo}`).int('wp', 'o');
  b.push('let s = 0;');
  if (x.rank === 1 || !x.c4) {
    b.int('xp', `n * ${fi}`);
    b.push(
      `for (let k = 0; k < ${fi}; k++) {`,
      '  s += x[xp] * this.constants.w[wp];',
      '  xp++;',
      `  wp = wp + ${fo};`,
      '}',
    );
  } else {
    // c4 input: feature (cc, yy, xx) in NCHW order lives at block cc >> 2, lane cc & 3.
    const hw = x.h * x.w;
    b.int('xp', '0');
    b.push(`for (let cc = 0; cc < ${x.c}; cc++) {`);
    b.push(`  xp = (n * ${x.c / 4} + (cc >> 2)) * ${hw * 4} + (cc & 3);`);
    b.push(
      `  for (let k = 0; k < ${hw}; k++) {`,
      '    s += x[xp] * this.constants.w[wp];',
      '    xp = xp + 4;',
      `    wp = wp + ${fo};`,
      '  }',
      '}',
    );
  }
  if (bias) {
    constants.b = bias;
    b.push('s = s + this.constants.b[o];');
  }
  return { source: b.finish(['x'], 's'), constants };
};

export const blockedKernels: KernelFamily = {
  name: 'blocked',
  blocked: true,
  dims: (l) => (l.rank === 1 ? [l.n * l.c] : [l.h * l.w, l.c4 ? (l.n * l.c) / 4 : l.n * l.c]),
  upload: uploadSource,
  pad: padSource,
  conv: convSource,
  eltwise: eltwiseSource,
  maxPool: maxPoolSource,
  avgPool: avgPoolSource,
  gap: gapSource,
  linear: linearSource,
};

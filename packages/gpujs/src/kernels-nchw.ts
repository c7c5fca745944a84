import type { AvgPoolNode, MaxPoolNode } from '@resblocks/spec';
import type { KernelFamily, KernelSource } from './kernel-family.js';
import type { Layout } from './layout.js';
import type { Step } from './plan.js';
import { convGeometry, windowLoop, windowOf } from './window.js';

/**
 * The NCHW kernel family, for gpu.js's GL and plain-JS (cpu) modes: one thread per output
 * element, every value NCHW and read as gpu.js 3-D arrays `v[n*C + c][y][x]` (output `[W, H,
 * N*C]`), so the flat order is exactly NCHW. Sources are generated per op configuration so every
 * size, stride and pad is a literal: loops get constant bounds and the 1x1 / unpadded cases drop
 * their bounds checks. Weights are gpu.js constants, uploaded once when the kernel is built.
 *
 * Index arithmetic runs in f32 (gpu.js's GLSL numbers): every index stays an exact integer below
 * 2^24, and the one division, z -> (n, c), is floor((z + 0.5) / C), whose half-step margin
 * absorbs the shader's inexact division.
 */
const int = (v: number): string => (v < 0 ? `(${v})` : `${v}`);

/** Reads value `name` (laid out as `l`) at the current thread's element. */
function here(name: string, l: Layout): string {
  return l.rank === 3 ? `${name}[z][this.thread.y][this.thread.x]` : `${name}[i]`;
}

/** Statements applying the fused steps to `v`; adds read parameters r0, r1, ... */
function applySteps(
  steps: readonly Step[],
  l: Layout,
  constants: Record<string, Float32Array>,
  params: string[],
): string[] {
  const lines: string[] = [];
  steps.forEach((s, k) => {
    switch (s.kind) {
      case 'add': {
        const p = `r${params.length - 1}`;
        params.push(p);
        lines.push(`v = v + ${here(p, l)};`);
        break;
      }
      case 'affine':
        constants[`s${k}`] = s.scale;
        constants[`t${k}`] = s.shift;
        lines.push(`v = v * this.constants.s${k}[c] + this.constants.t${k}[c];`);
        break;
      case 'relu':
        // `v < 0` is false for NaN, so NaN passes through as in PyTorch.
        lines.push('if (v < 0) { v = 0; }');
        break;
    }
  });
  return lines;
}

/** Thread -> (z or i, n, c) prologue for a kernel writing layout `l`. */
function prologue(l: Layout, needChannel: boolean): string[] {
  if (l.rank === 3) {
    const lines = ['const z = this.thread.z;'];
    if (needChannel) lines.push(`const c = z - Math.floor((z + 0.5) / ${l.c}) * ${l.c};`);
    return lines;
  }
  const lines = ['const i = this.thread.x;'];
  if (needChannel) lines.push(`const c = i - Math.floor((i + 0.5) / ${l.c}) * ${l.c};`);
  return lines;
}

const needsChannel = (steps: readonly Step[]) => steps.some((s) => s.kind === 'affine');

function finish(params: string[], body: string[]): string {
  return `function (${params.join(', ')}) {\n${body.join('\n')}\n}`;
}

function eltwiseSource(l: Layout, steps: readonly Step[]): KernelSource {
  const constants: Record<string, Float32Array> = {};
  const params = ['x'];
  const body = [...prologue(l, needsChannel(steps)), `let v = ${here('x', l)};`];
  body.push(...applySteps(steps, l, constants, params), 'return v;');
  return { source: finish(params, body), constants };
}

/**
 * Direct convolution, one thread per output element. Grouped natively: output channel oc reads
 * only the in/groups input channels of its group, g = floor(oc / (out/groups)).
 */
const convSource: KernelFamily['conv'] = (node, x, y, weight, bias, steps) => {
  const constants: Record<string, Float32Array> = { w: weight };
  const params = ['x'];
  const { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, icpg, ocpg } = convGeometry(node);
  const taps = icpg * kh * kw;
  const body = [
    'const z = this.thread.z;',
    `const n = Math.floor((z + 0.5) / ${y.c});`,
    `const c = z - n * ${y.c};`,
  ];
  // First input channel this output channel reads (in z of x).
  if (node.groups === 1) body.push(`const zb = n * ${x.c};`);
  else body.push(`const zb = n * ${x.c} + Math.floor((c + 0.5) / ${ocpg}) * ${icpg};`);
  body.push(`const wb = c * ${taps};`, 'let acc = 0;');
  const unpadded = pt === 0 && pl === 0 && pb === 0 && pr === 0;
  if (kh === 1 && kw === 1 && unpadded) {
    body.push(
      `const iy = this.thread.y * ${sh};`,
      `const ix = this.thread.x * ${sw};`,
      `for (let k = 0; k < ${icpg}; k++) {`,
      '  acc += x[zb + k][iy][ix] * this.constants.w[wb + k];',
      '}',
    );
  } else {
    body.push(
      `const iy0 = this.thread.y * ${sh} - ${int(pt)};`,
      `const ix0 = this.thread.x * ${sw} - ${int(pl)};`,
      `for (let k = 0; k < ${icpg}; k++) {`,
      ...windowLoop(
        {
          kh,
          kw,
          y0: 'iy0',
          x0: 'ix0',
          dilation: [dh, dw],
          rows: [0, x.h],
          cols: [0, x.w],
          declare: true,
        },
        [`acc += x[zb + k][iy][ix] * this.constants.w[wb + (k * ${kh} + ky) * ${kw} + kx];`],
      ).map((l) => `  ${l}`),
      '}',
    );
  }
  if (bias) {
    constants.b = bias;
    body.push('let v = acc + this.constants.b[c];');
  } else body.push('let v = acc;');
  body.push(...applySteps(steps, y, constants, params), 'return v;');
  return { source: finish(params, body), constants };
};

/**
 * PyTorch max pooling: padding never wins (the window is seeded with its first in-bounds element)
 * and a NaN anywhere in the window wins (`e != e`), as in ATen.
 */
function maxPoolSource(node: MaxPoolNode, x: Layout): KernelSource {
  const { kh, kw, sh, sw, pt, pl } = windowOf(node);
  const body = [
    'const z = this.thread.z;',
    `const y0 = this.thread.y * ${sh} - ${int(pt)};`,
    `const x0 = this.thread.x * ${sw} - ${int(pl)};`,
    // Clamped with branches: GLSL has no max(int, float) overload, which Math.max can produce.
    'let sy = y0;',
    'if (sy < 0) { sy = 0; }',
    'let sx = x0;',
    'if (sx < 0) { sx = 0; }',
    'let m = x[z][sy][sx];',
    ...windowLoop({ kh, kw, y0: 'y0', x0: 'x0', rows: [0, x.h], cols: [0, x.w], declare: true }, [
      'const e = x[z][iy][ix];',
      'if (e > m || e != e) { m = e; }',
    ]),
    'return m;',
  ];
  return { source: finish(['x'], body), constants: {} };
}

/** PyTorch average pooling window arithmetic (ceil mode, count_include_pad on or off). */
function avgPoolSource(node: AvgPoolNode, x: Layout): KernelSource {
  const { kh, kw, sh, sw, pt, pl, pb, pr } = windowOf(node);
  const body = [
    'const z = this.thread.z;',
    `const y0 = this.thread.y * ${sh} - ${int(pt)};`,
    `const x0 = this.thread.x * ${sw} - ${int(pl)};`,
    `const y1 = Math.min(y0 + ${kh}, ${x.h + pb});`,
    `const x1 = Math.min(x0 + ${kw}, ${x.w + pr});`,
    'const ys = Math.max(y0, 0);',
    'const xs = Math.max(x0, 0);',
    `const ye = Math.min(y1, ${x.h});`,
    `const xe = Math.min(x1, ${x.w});`,
    'let s = 0;',
    ...windowLoop({ kh, kw, y0: 'y0', x0: 'x0', rows: ['ys', 'ye'], cols: ['xs', 'xe'], declare: true }, [
      's += x[z][iy][ix];',
    ]),
    node.countIncludePad ? 'return s / ((y1 - y0) * (x1 - x0));' : 'return s / ((ye - ys) * (xe - xs));',
  ];
  return { source: finish(['x'], body), constants: {} };
}

/** Global average pool: rank 3 [W, H, N*C] -> rank 1 [N*C]. */
function gapSource(x: Layout): KernelSource {
  const body =
    x.rank === 1
      ? ['return x[this.thread.x];']
      : [
          'const i = this.thread.x;',
          'let s = 0;',
          `for (let yy = 0; yy < ${x.h}; yy++) {`,
          `  for (let xx = 0; xx < ${x.w}; xx++) {`,
          '    s += x[i][yy][xx];',
          '  }',
          '}',
          `return s / ${x.h * x.w};`,
        ];
  return { source: finish(['x'], body), constants: {} };
}

/** y[n, o] = b[o] + sum_k w[o, k] x[n, k], with k running over the NCHW-flattened input. */
const linearSource: KernelFamily['linear'] = (node, x, weight, bias) => {
  const fi = node.inFeatures;
  const fo = node.outFeatures;
  const constants: Record<string, Float32Array> = { w: weight };
  const body = [
    'const i = this.thread.x;',
    `const n = Math.floor((i + 0.5) / ${fo});`,
    `const o = i - n * ${fo};`,
    `const wb = o * ${fi};`,
    'let s = 0;',
  ];
  if (x.rank === 1 || (x.h === 1 && x.w === 1)) {
    const read = x.rank === 1 ? `x[n * ${fi} + k]` : `x[n * ${fi} + k][0][0]`;
    body.push(`for (let k = 0; k < ${fi}; k++) {`, `  s += ${read} * this.constants.w[wb + k];`, '}');
  } else {
    body.push(
      `for (let cc = 0; cc < ${x.c}; cc++) {`,
      `  for (let yy = 0; yy < ${x.h}; yy++) {`,
      `    for (let xx = 0; xx < ${x.w}; xx++) {`,
      `      s += x[n * ${x.c} + cc][yy][xx] * this.constants.w[wb + (cc * ${x.h} + yy) * ${x.w} + xx];`,
      '    }',
      '  }',
      '}',
    );
  }
  if (bias) {
    constants.b = bias;
    body.push('return s + this.constants.b[o];');
  } else body.push('return s;');
  return { source: finish(['x'], body), constants };
};

/** Copies the uploaded input into a kernel-owned value, so every consumer reads one upload. */
function uploadSource(): KernelSource {
  return {
    source: 'function (x) {\nreturn x[this.thread.z][this.thread.y][this.thread.x];\n}',
    constants: {},
  };
}

export const nchwKernels: KernelFamily = {
  name: 'nchw',
  blocked: false,
  dims: (l) => (l.rank === 3 ? [l.w, l.h, l.n * l.c] : [l.n * l.c]),
  upload: uploadSource,
  conv: convSource,
  eltwise: eltwiseSource,
  maxPool: (node, x) => maxPoolSource(node, x),
  avgPool: (node, x) => avgPoolSource(node, x),
  gap: gapSource,
  linear: linearSource,
};

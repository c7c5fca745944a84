/**
 * WGSL generated per layer class. Every activation is NHWC with its channels padded to a multiple
 * of four and stored as packets of four channels: a vec4<f32> (f32 storage) or two u32 words of
 * packed binary16 (f16 storage, unpack2x16float/pack2x16float: core WGSL, no `shader-f16` needed).
 * Arithmetic is f32 either way. Shapes come in a uniform buffer, so one pipeline serves every layer
 * of a class and every batch size; only what changes the code (tiles, fused steps, precision) is in
 * the source, and the source is the pipeline cache's key.
 */
export type Precision = 'f32' | 'f16';

/** A GEMM tile: the workgroup computes tm x tn outputs, tk deep per step; each thread rm x rn. */
export interface Tile {
  readonly tm: number;
  readonly tn: number;
  readonly tk: number;
  readonly rm: number;
  readonly rn: number;
}

/** What an epilogue (or an elementwise kernel) applies to each output packet. */
export type StepKind = 'affine' | 'add' | 'relu';

/** A binding a kernel reads or writes; the executor maps each to a buffer. */
export type BindingRole =
  | { readonly kind: 'uniform' }
  | { readonly kind: 'out' }
  | { readonly kind: 'in' }
  | { readonly kind: 'weights' }
  | { readonly kind: 'bias' }
  /** Scale and shift packets interleaved, of the affine step before (slot 0) or after (1) the add. */
  | { readonly kind: 'affine'; readonly slot: 0 | 1 }
  | { readonly kind: 'residual' };

export interface KernelSource {
  readonly code: string;
  /** Names of the uniform words, in order (the executor fills them by name). */
  readonly params: readonly string[];
  readonly bindings: readonly BindingRole[];
  /** Threads per workgroup. */
  readonly threads: number;
  /** The layer class, for info() and the tables. */
  readonly label: string;
}

/** Threads per workgroup of the one-thread-per-packet kernels. */
export const LINEAR_THREADS = 64;

function packetType(p: Precision): string {
  return p === 'f32'
    ? `alias PK = vec4<f32>;
fn ld(p: PK) -> vec4<f32> { return p; }
fn st(v: vec4<f32>) -> PK { return v; }`
    : `alias PK = vec2<u32>;
fn ld(p: PK) -> vec4<f32> { return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y)); }
fn st(v: vec4<f32>) -> PK { return vec2<u32>(pack2x16float(v.xy), pack2x16float(v.zw)); }`;
}

/** NaN by its bits, which no float fast-math can fold away. */
const IS_NAN = `fn isNan(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}`;

function uniforms(params: readonly string[]): { decl: string; lets: string } {
  const words = Math.max(1, Math.ceil(params.length / 4));
  const comp = ['x', 'y', 'z', 'w'];
  return {
    decl: `struct U { p: array<vec4<u32>, ${words}> }
@group(0) @binding(0) var<uniform> u: U;`,
    lets: params.map((n, i) => `  let ${n} = u.p[${i >> 2}].${comp[i & 3]};`).join('\n'),
  };
}

interface Builder {
  bindings: BindingRole[];
  decls: string[];
}

function bind(b: Builder, role: BindingRole, decl: string): void {
  const slot = b.bindings.length;
  b.bindings.push(role);
  b.decls.push(`@group(0) @binding(${slot}) ${decl};`);
}

/**
 * The fused steps in their one order, each switched on by a bit of FLAGS (a uniform, so every
 * combination shares one pipeline): BN affine, residual add, BN affine, ReLU. A chain that does not
 * fit this order is not fused (see plan.ts).
 */
export const STEP_BITS = { affineBefore: 1, add: 2, affineAfter: 4, relu: 8 } as const;

/** Declares the step bindings and the epilogue function `epi(v, packet, index, flags)`. */
function epilogue(b: Builder): string {
  bind(b, { kind: 'affine', slot: 0 }, 'var<storage, read> ST0: array<vec4<f32>>');
  bind(b, { kind: 'residual' }, 'var<storage, read> R: array<PK>');
  bind(b, { kind: 'affine', slot: 1 }, 'var<storage, read> ST1: array<vec4<f32>>');
  // select, not max, for the ReLU: a NaN stays NaN (max(NaN, 0) may give either).
  return `fn epi(v0: vec4<f32>, c: u32, i: u32, flags: u32) -> vec4<f32> {
  var v = v0;
  if ((flags & 1u) != 0u) { v = fma(v, ST0[2u * c], ST0[2u * c + 1u]); }
  if ((flags & 2u) != 0u) { v = v + ld(R[i]); }
  if ((flags & 4u) != 0u) { v = fma(v, ST1[2u * c], ST1[2u * c + 1u]); }
  if ((flags & 8u) != 0u) { v = select(v, vec4<f32>(0.0), v < vec4<f32>(0.0)); }
  return v;
}`;
}

interface Extras {
  /** Workgroup variables and helper functions. */
  readonly decls?: string;
  /** WGSL extensions the code needs (`enable` directives come first in a module). */
  readonly enable?: string;
  /** More builtins for main. */
  readonly builtins?: string;
}

function assemble(
  precision: Precision,
  params: readonly string[],
  b: Builder,
  body: string,
  threads: number,
  label: string,
  extras: Extras | string = {},
): KernelSource {
  const x: Extras = typeof extras === 'string' ? { decls: extras } : extras;
  const u = uniforms(params);
  const code = `${x.enable ? `enable ${x.enable};\n` : ''}${packetType(precision)}
${IS_NAN}
${u.decl}
${b.decls.join('\n')}
${x.decls ?? ''}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32${x.builtins ? `, ${x.builtins}` : ''}) {
${u.lets}
${body}
}
`;
  return { code, params, bindings: b.bindings, threads, label };
}

function builder(): Builder {
  const b: Builder = { bindings: [], decls: [] };
  b.bindings.push({ kind: 'uniform' });
  bind(b, { kind: 'out' }, 'var<storage, read_write> Y: array<PK>');
  bind(b, { kind: 'in' }, 'var<storage, read> X: array<PK>');
  return b;
}

export const GEMM_PARAMS = [
  'H',
  'W',
  'CP4',
  'OH',
  'OW',
  'OP4',
  'KW',
  'SH',
  'SW',
  'PT',
  'PL',
  'DH',
  'DW',
  'CING4',
  'COUTG4',
  'K4',
  'M',
  'TILESM',
  'TILESN',
  'WGS',
  'FLAGS',
  'GRIDX',
] as const;

export interface GemmConvSpec {
  readonly precision: Precision;
  readonly tile: Tile;
  /** 1x1, stride 1, no padding: the input row is the output row (no im2col arithmetic). */
  readonly pointwise: boolean;
  readonly label: string;
}

/**
 * Implicit-GEMM convolution, batched over groups: rows are output pixels (N*OH*OW), columns the
 * output channels of one group, K = KH*KW*Cin/groups with the input channels innermost, so an A
 * load is one input packet (vec4 along channels). Both tiles go through workgroup memory; each
 * thread keeps an rm x rn register tile, its rows and columns strided by the thread grid so that
 * neighbouring threads read neighbouring workgroup-memory words.
 */
export function gemmConv(spec: GemmConvSpec): KernelSource {
  const { tm, tn, tk, rm, rn } = spec.tile;
  const tn4 = tn / 4;
  const tk4 = tk / 4;
  const rn4 = rn / 4;
  const tx = tn4 / rn4;
  const ty = tm / rm;
  const threads = tx * ty;
  const b = builder();
  bind(b, { kind: 'weights' }, 'var<storage, read> Wt: array<PK>');
  bind(b, { kind: 'bias' }, 'var<storage, read> Bias: array<vec4<f32>>');
  const epi = epilogue(b);
  const loadA = spec.pointwise
    ? 'v = ld(X[m * CP4 + g * CING4 + k4]);'
    : `let n = m / OHW; let p = m % OHW; let oy = p / OW; let ox = p % OW;
        let tap = k4 / CING4; let ci4 = k4 % CING4; let ky = tap / KW; let kx = tap % KW;
        let iy = i32(oy * SH + ky * DH) - i32(PT); let ix = i32(ox * SW + kx * DW) - i32(PL);
        if (iy >= 0 && iy < i32(H) && ix >= 0 && ix < i32(W)) {
          v = ld(X[((n * H + u32(iy)) * W + u32(ix)) * CP4 + g * CING4 + ci4]);
        }`;
  // The inner product, unrolled: rm*rn4*4 fused multiply-adds per packet of K.
  const fmas: string[] = [];
  for (let r = 0; r < rm; r++) fmas.push(`let a${r} = As[kk4 * ${tm}u + ty + ${r * ty}u];`);
  for (let j = 0; j < 4; j++) {
    for (let c = 0; c < rn4; c++) {
      fmas.push(`let b${j}_${c} = Bs[(kk4 * 4u + ${j}u) * ${tn4}u + tx + ${c * tx}u];`);
      for (let r = 0; r < rm; r++)
        fmas.push(`acc${r}_${c} = fma(vec4<f32>(a${r}.${'xyzw'[j]}), b${j}_${c}, acc${r}_${c});`);
    }
  }
  const accs: string[] = [];
  const outs: string[] = [];
  for (let r = 0; r < rm; r++) {
    for (let c = 0; c < rn4; c++) {
      accs.push(`var acc${r}_${c} = vec4<f32>(0.0);`);
    }
    const cols: string[] = [];
    for (let c = 0; c < rn4; c++) {
      cols.push(`{ let co4 = n04 + tx + ${c * tx}u;
        if (co4 < COUTG4) { let oc = g * COUTG4 + co4; Y[m * OP4 + oc] = st(epi(acc${r}_${c} + Bias[oc], oc, m * OP4 + oc, FLAGS)); } }`);
    }
    outs.push(`{ let m = m0 + ty + ${r * ty}u; if (m < M) { ${cols.join('\n')} } }`);
  }
  const extra = `var<workgroup> As: array<vec4<f32>, ${tk4 * tm}>;
var<workgroup> Bs: array<vec4<f32>, ${tk * tn4}>;
${epi}`;
  const body = `  let wid = wg.y * GRIDX + wg.x;
  if (wid >= WGS) { return; }
  let tmi = wid % TILESM; let rest = wid / TILESM; let tni = rest % TILESN; let g = rest / TILESN;
  let m0 = tmi * ${tm}u; let n04 = tni * ${tn4}u;
  let tx = lid % ${tx}u; let ty = lid / ${tx}u;
  let OHW = OH * OW;
  let KR = K4 * 4u;
  ${accs.join(' ')}
  for (var k04 = 0u; k04 < K4; k04 += ${tk4}u) {
    for (var e = lid; e < ${tm * tk4}u; e += ${threads}u) {
      let m = m0 + e % ${tm}u; let k4 = k04 + e / ${tm}u;
      var v = vec4<f32>(0.0);
      if (m < M && k4 < K4) {
        ${loadA}
      }
      As[e] = v;
    }
    for (var e = lid; e < ${tk * tn4}u; e += ${threads}u) {
      let k = k04 * 4u + e / ${tn4}u; let co4 = n04 + e % ${tn4}u;
      var v = vec4<f32>(0.0);
      if (k < KR && co4 < COUTG4) { v = ld(Wt[(g * KR + k) * COUTG4 + co4]); }
      Bs[e] = v;
    }
    workgroupBarrier();
    for (var kk4 = 0u; kk4 < ${tk4}u; kk4++) {
      ${fmas.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${outs.join('\n  ')}`;
  return assemble(spec.precision, GEMM_PARAMS, b, body, threads, spec.label, extra);
}

export const DIRECT_PARAMS = [
  'H',
  'W',
  'CP4',
  'OH',
  'OW',
  'OP4',
  'KH',
  'KW',
  'SH',
  'SW',
  'PT',
  'PL',
  'DH',
  'DW',
  'CING',
  'COUTG',
  'COUT',
  'TOTAL',
  'FLAGS',
  'GRIDX',
] as const;

/**
 * Direct convolution, one thread per output packet, for grouped layers whose groups do not fall on
 * packet boundaries (fewer than four channels per group, or a count not divisible by four): each of
 * the packet's four channels may belong to another group. Weights are f32 scalars here, in
 * PyTorch's [Cout][Cin/groups][KH][KW]; in f16 mode they hold binary16-rounded values.
 */
export function directConv(precision: Precision): KernelSource {
  const b = builder();
  bind(b, { kind: 'weights' }, 'var<storage, read> Wd: array<f32>');
  bind(b, { kind: 'bias' }, 'var<storage, read> Bias: array<vec4<f32>>');
  const epi = epilogue(b);
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  let m = i / OP4; let oc = i % OP4;
  let n = m / (OH * OW); let p = m % (OH * OW); let oy = p / OW; let ox = p % OW;
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let co = oc * 4u + j;
    if (co >= COUT) { break; }
    let g = co / COUTG;
    var s = 0.0;
    for (var ky = 0u; ky < KH; ky++) {
      let iy = i32(oy * SH + ky * DH) - i32(PT);
      if (iy < 0 || iy >= i32(H)) { continue; }
      for (var kx = 0u; kx < KW; kx++) {
        let ix = i32(ox * SW + kx * DW) - i32(PL);
        if (ix < 0 || ix >= i32(W)) { continue; }
        let base = ((n * H + u32(iy)) * W + u32(ix)) * CP4;
        for (var ci = 0u; ci < CING; ci++) {
          let cin = g * CING + ci;
          s = fma(ld(X[base + cin / 4u])[cin % 4u], Wd[((co * CING + ci) * KH + ky) * KW + kx], s);
        }
      }
    }
    v[j] = s;
  }
  Y[i] = st(epi(v + Bias[oc], oc, i, FLAGS));`;
  return assemble(precision, DIRECT_PARAMS, b, body, LINEAR_THREADS, 'conv-direct', epi);
}

export const ELTWISE_PARAMS = ['TOTAL', 'OP4', 'FLAGS', 'GRIDX'] as const;

/** BN affine maps, residual adds and ReLUs that no convolution could take into its epilogue. */
export function eltwise(precision: Precision): KernelSource {
  const b = builder();
  const epi = epilogue(b);
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  Y[i] = st(epi(ld(X[i]), i % OP4, i, FLAGS));`;
  return assemble(precision, ELTWISE_PARAMS, b, body, LINEAR_THREADS, 'eltwise', epi);
}

export const POOL_PARAMS = [
  'H',
  'W',
  'CP4',
  'OH',
  'OW',
  'KH',
  'KW',
  'SH',
  'SW',
  'PT',
  'PL',
  'PB',
  'PR',
  'TOTAL',
  'GRIDX',
] as const;

/**
 * Max or average pooling with PyTorch's windows (aten's AveragePool2d): -inf padding for max, the
 * divisor either the window clipped to input plus padding (count_include_pad) or the valid pixels.
 */
export function pool(precision: Precision, kind: 'max' | 'avg', countIncludePad: boolean): KernelSource {
  const b = builder();
  const acc =
    kind === 'max'
      ? // Every window holds an input pixel (torch's rule), so the first one starts the maximum
        // (-inf as a constant is a shader error). A NaN wins and stays: v > NaN is false. The NaN
        // test is on the bits: compilers may fold v != v to false (WGSL assumes finite floats).
        `var r = ld(X[((n * H + u32(ya)) * W + u32(xa)) * CP4 + c4]);
  for (var y = ya; y < yb; y++) { for (var x = xa; x < xb; x++) {
    let v = ld(X[((n * H + u32(y)) * W + u32(x)) * CP4 + c4]);
    r = select(select(r, v, v > r), v, isNan(v));
  } }`
      : `var r = vec4<f32>(0.0);
  for (var y = ya; y < yb; y++) { for (var x = xa; x < xb; x++) {
    r = r + ld(X[((n * H + u32(y)) * W + u32(x)) * CP4 + c4]);
  } }
  r = r / ${countIncludePad ? 'padded' : 'f32((yb - ya) * (xb - xa))'};`;
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  let c4 = i % CP4; let m = i / CP4;
  let n = m / (OH * OW); let p = m % (OH * OW); let oy = p / OW; let ox = p % OW;
  let y0 = i32(oy * SH) - i32(PT); let x0 = i32(ox * SW) - i32(PL);
  let y1 = min(y0 + i32(KH), i32(H + PB)); let x1 = min(x0 + i32(KW), i32(W + PR));
  let padded = f32((y1 - y0) * (x1 - x0));
  let ya = max(y0, 0); let yb = min(y1, i32(H)); let xa = max(x0, 0); let xb = min(x1, i32(W));
  ${acc}
  Y[i] = st(r);`;
  return assemble(
    precision,
    POOL_PARAMS,
    b,
    body,
    LINEAR_THREADS,
    kind === 'max' ? 'maxpool' : `avgpool${countIncludePad ? '-incl' : ''}`,
  );
}

export const GAP_PARAMS = ['HW', 'CP4', 'TOTAL', 'GRIDX'] as const;

/** Global average pool on its own (when its value is traced or read by more than a linear layer). */
export function globalAvgPool(precision: Precision): KernelSource {
  const b = builder();
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  let n = i / CP4; let c4 = i % CP4;
  var s = vec4<f32>(0.0);
  for (var p = 0u; p < HW; p++) { s = s + ld(X[(n * HW + p) * CP4 + c4]); }
  Y[i] = st(s / f32(HW));`;
  return assemble(precision, GAP_PARAMS, b, body, LINEAR_THREADS, 'globalavgpool');
}

export const POOL_LINEAR_PARAMS = ['HW', 'FP4', 'GROUPS', 'WGS', 'GRIDX'] as const;

/** Output features per workgroup of the classifier (a multiple of four: whole packets). */
export const LINEAR_OUTPUTS = 16;

/**
 * Global average pool fused with the linear layer, split over the input channels: a workgroup per
 * sample and LINEAR_OUTPUTS outputs averages the sample's channels into workgroup memory once, then
 * all 64 threads share the dot products, thread t taking packets t, t + 64, ... of each weight row
 * ([Fout][Cin] rows, so neighbouring threads read neighbouring words), and the partial sums are
 * reduced: with `subgroups`, by subgroupAdd and one word per subgroup (the subgroups of a 1-D
 * workgroup are its consecutive runs of subgroup_size invocations); otherwise by a tree in
 * workgroup memory. A thread per output would leave a batch-1 classifier a few workgroups, each
 * walking all of Cin. A plain linear layer is the same kernel over one pixel (HW = 1).
 */
export function poolLinear(precision: Precision, inPackets: number, subgroups: boolean): KernelSource {
  const b = builder();
  bind(b, { kind: 'weights' }, 'var<storage, read> Wl: array<PK>');
  bind(b, { kind: 'bias' }, 'var<storage, read> Bias: array<vec4<f32>>');
  const t = LINEAR_THREADS;
  const rows = LINEAR_OUTPUTS;
  const rp = rows / 4;
  const each = (f: (q: number) => string, sep = ' ') => Array.from({ length: rp }, (_, q) => f(q)).join(sep);
  const dots = Array.from(
    { length: rows },
    (_, j) => `acc${j >> 2}.${'xyzw'[j & 3]} += dot(mv, ld(Wl[(row + ${j}u) * ${inPackets}u + c4]));`,
  );
  const reduce = subgroups
    ? `${each((q) => `let s${q} = subgroupAdd(acc${q});`)}
  if (lane == 0u) { let k = (lid / sgs) * ${rp}u; ${each((q) => `Part[k + ${q}u] = s${q};`)} }
  workgroupBarrier();
  let parts = (${t}u + sgs - 1u) / sgs;`
    : `${each((q) => `Part[${rp}u * lid + ${q}u] = acc${q};`)}
  workgroupBarrier();
  for (var s = ${t / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
      ${each((q) => `Part[${rp}u * lid + ${q}u] += Part[${rp}u * (lid + s) + ${q}u];`, '\n      ')}
    }
    workgroupBarrier();
  }
  let parts = 1u;`;
  const body = `  let wid = wg.y * GRIDX + wg.x;
  if (wid >= WGS) { return; }
  let n = wid / GROUPS; let og = wid % GROUPS;
  for (var c4 = lid; c4 < ${inPackets}u; c4 += ${t}u) {
    var s = vec4<f32>(0.0);
    for (var p = 0u; p < HW; p++) { s = s + ld(X[(n * HW + p) * ${inPackets}u + c4]); }
    Mean[c4] = s / f32(HW);
  }
  workgroupBarrier();
  let row = og * ${rows}u;
  ${each((q) => `var acc${q} = vec4<f32>(0.0);`)}
  for (var c4 = lid; c4 < ${inPackets}u; c4 += ${t}u) {
    let mv = Mean[c4];
    ${dots.join('\n    ')}
  }
  ${reduce}
  if (lid < ${rp}u) {
    var r = vec4<f32>(0.0);
    for (var i = 0u; i < parts; i++) { r += Part[${rp}u * i + lid]; }
    let o4 = og * ${rp}u + lid;
    if (o4 < FP4) { Y[n * FP4 + o4] = st(r + Bias[o4]); }
  }`;
  return assemble(
    precision,
    POOL_LINEAR_PARAMS,
    b,
    body,
    t,
    subgroups ? 'pool-linear-subgroups' : 'pool-linear',
    {
      decls: `var<workgroup> Mean: array<vec4<f32>, ${inPackets}>;
var<workgroup> Part: array<vec4<f32>, ${rp * t}>;`,
      ...(subgroups
        ? {
            enable: 'subgroups',
            builtins: '@builtin(subgroup_size) sgs: u32, @builtin(subgroup_invocation_id) lane: u32',
          }
        : {}),
    },
  );
}

export const IO_PARAMS = ['C', 'HW', 'CP4', 'N0', 'TOTAL', 'GRIDX'] as const;

/**
 * A caller's NCHW float32 buffer (GPU tensors) into the engine's packets, samples N0 on: one thread
 * per packet, channels past C zero. Bindings: uniforms, the packets written, the caller's buffer.
 */
export function fromNchw(precision: Precision): KernelSource {
  const b: Builder = { bindings: [{ kind: 'uniform' }], decls: [] };
  bind(b, { kind: 'out' }, 'var<storage, read_write> Y: array<PK>');
  bind(b, { kind: 'in' }, 'var<storage, read> Src: array<f32>');
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  let c4 = i % CP4; let m = i / CP4; let n = m / HW; let p = m % HW;
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let c = c4 * 4u + j;
    if (c < C) { v[j] = Src[((N0 + n) * C + c) * HW + p]; }
  }
  Y[i] = st(v);`;
  return assemble(precision, IO_PARAMS, b, body, LINEAR_THREADS, 'from-nchw');
}

/**
 * The engine's packets into a caller's NCHW float32 buffer at sample N0 (GPU tensors out): one
 * thread per element. Bindings: uniforms, the caller's buffer, the packets read.
 */
export function toNchw(precision: Precision): KernelSource {
  const b: Builder = { bindings: [{ kind: 'uniform' }], decls: [] };
  bind(b, { kind: 'out' }, 'var<storage, read_write> Dst: array<f32>');
  bind(b, { kind: 'in' }, 'var<storage, read> X: array<PK>');
  const body = `  let i = (wg.y * GRIDX + wg.x) * ${LINEAR_THREADS}u + lid;
  if (i >= TOTAL) { return; }
  let chw = C * HW; let n = i / chw; let r = i % chw; let c = r / HW; let p = r % HW;
  Dst[N0 * chw + i] = ld(X[(n * HW + p) * CP4 + c / 4u])[c % 4u];`;
  return assemble(precision, IO_PARAMS, b, body, LINEAR_THREADS, 'to-nchw');
}

import {
  type EngineModel,
  type Graph,
  inferShapes,
  isGpuTensor,
  ResblocksError,
  type Shape,
  sizeOf,
  type Weights,
} from '@resblocks/spec';
import {
  createBuffer,
  destroyBuffer,
  deviceLost,
  type Engine,
  type PlanLimits,
  pipelineFor,
  pipelinesOn,
} from './engine.js';
import { packHalf, roundToHalf, unpackHalf } from './f16.js';
import {
  type BindingRole,
  directConv,
  eltwise,
  fromNchw,
  gemmConv,
  globalAvgPool,
  IO_PARAMS,
  type KernelSource,
  LINEAR_OUTPUTS,
  LINEAR_THREADS,
  pool,
  poolLinear,
  type Tile,
  toNchw,
} from './kernels.js';
import { type BufferPlan, buildPlan, type Op, type Plan, packets, planBuffers, stepFlags } from './plan.js';
import { fitTile, layerClass } from './tables.js';

// GPUBufferUsage / GPUMapMode bits (the globals exist only once Dawn is installed in Node).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;
const UNIFORM_SLOT = 256;
const INPUT_SHAPE_CACHE = 3;

export interface ModelOptions {
  /** Values runs may return (kept in buffers of their own, no fusion past them). */
  readonly trace?: ReadonlySet<string>;
  /** Lower limits than the device's (a shared device, or a test of the batch split). */
  readonly limits?: Partial<PlanLimits>;
  /** Tiles per layer class instead of the engine's table (the tuning script). */
  readonly tiles?: Partial<Record<string, Tile>>;
  /** Whether kernels may use subgroup operations (default: where the device has `subgroups`). */
  readonly subgroups?: boolean;
}

/** A convolution's or linear layer's weights, laid out for its kernel and uploaded once. */
interface Uploaded {
  readonly weights?: GPUBuffer;
  readonly bias?: GPUBuffer;
  /** The affine steps' interleaved scale and shift packets, before and after the add. */
  readonly affine: readonly [GPUBuffer | undefined, GPUBuffer | undefined];
  /** The conv kernel its layout suits. */
  readonly conv?: 'gemm' | 'direct';
}

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * GEMM layout of a conv weight [Cout][Cin/g][KH][KW]: per group, K rows of (ky, kx, ci) with the
 * input channels innermost (padded to four when there is one group), each row the group's output
 * channels (padded to four) so a B-tile load is one packet.
 */
function gemmWeights(
  w: Float32Array,
  cout: number,
  cin: number,
  kh: number,
  kw: number,
  groups: number,
): Float32Array {
  const cinG = cin / groups;
  const coutG = cout / groups;
  const cinGp = groups === 1 ? ceil4(cinG) : cinG;
  const coutGp = groups === 1 ? ceil4(coutG) : coutG;
  const K = kh * kw * cinGp;
  const out = new Float32Array(groups * K * coutGp);
  for (let g = 0; g < groups; g++)
    for (let co = 0; co < coutG; co++)
      for (let ci = 0; ci < cinG; ci++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const src = ((((g * coutG + co) * cinG + ci) * kh + ky) * kw + kx) | 0;
            const k = (ky * kw + kx) * cinGp + ci;
            out[(g * K + k) * coutGp + co] = w[src]!;
          }
  return out;
}

/** Whether a grouped conv's groups fall on packet boundaries (the GEMM kernel's condition). */
function gemmFits(groups: number, cin: number, cout: number): boolean {
  return groups === 1 || ((cin / groups) % 4 === 0 && (cout / groups) % 4 === 0);
}

interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly x: number;
  readonly y: number;
  readonly label: string;
}

/** Splits a workgroup count over x and y when it exceeds one dimension's limit. */
function grid(total: number, max: number): { x: number; y: number } {
  if (total <= max) return { x: Math.max(1, total), y: 1 };
  return { x: max, y: Math.ceil(total / max) };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** One batch size's buffers, bind groups and dispatches: the plan made concrete. */
class Executor {
  readonly dispatches: Dispatch[] = [];
  readonly buffers: GPUBuffer[] = [];
  readonly uniforms: GPUBuffer;
  readonly staging: GPUBuffer;
  readonly layout: BufferPlan;
  /** Values read back after the pass, with their byte offset in the staging buffer. */
  readonly readback: { value: string; offset: number; bytes: number }[] = [];
  readonly labels: string[] = [];
  /** Uniforms of the GPU-tensor conversions (slot 0 in, slot 1 out), made on first use. */
  private ioUniforms?: GPUBuffer;

  constructor(
    readonly model: WebGpuModel,
    readonly shapes: ReadonlyMap<string, Shape>,
    readonly batch: number,
  ) {
    const { engine, plan } = model;
    const bpp = model.bytesPerPacket;
    this.layout = planBuffers(plan, shapes, bpp);
    for (const [i, size] of this.layout.sizes.entries())
      this.buffers.push(createBuffer(engine, size, STORAGE | COPY_SRC | COPY_DST, `act${i}`));
    this.uniforms = createBuffer(
      engine,
      Math.max(1, plan.ops.length) * UNIFORM_SLOT,
      UNIFORM | COPY_DST,
      'uniforms',
    );
    const words = new Uint32Array((Math.max(1, plan.ops.length) * UNIFORM_SLOT) / 4);
    plan.ops.forEach((op, i) => {
      const { kernel, params, workgroups } = model.kernelFor(op, shapes);
      const pipeline = pipelineFor(engine, kernel);
      const g = grid(workgroups, model.limits.maxComputeWorkgroupsPerDimension);
      params.GRIDX = g.x;
      kernel.params.forEach((name, k) => {
        const v = params[name];
        if (v === undefined) throw new Error(`kernel ${kernel.label} has no value for ${name}`);
        words[(i * UNIFORM_SLOT) / 4 + k] = v;
      });
      const entries = kernel.bindings.map((role, binding) => ({
        binding,
        resource: this.resource(op, role, i),
      }));
      const bindGroup = engine.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      this.dispatches.push({ pipeline, bindGroup, ...g, label: kernel.label });
      this.labels.push(kernel.label);
    });
    engine.device.queue.writeBuffer(this.uniforms, 0, words);
    // What comes back: the output, then each traced value.
    let offset = 0;
    for (const value of [plan.graph.output, ...[...plan.pinned].filter((v) => v !== plan.graph.output)]) {
      const bytes = packets(shapes.get(value)!) * bpp;
      this.readback.push({ value, offset, bytes });
      offset += bytes;
    }
    this.staging = createBuffer(engine, Math.max(16, offset), MAP_READ | COPY_DST, 'staging');
  }

  private buffer(value: string): GPUBuffer {
    const b = this.layout.bufferOf.get(value);
    if (b === undefined) throw new Error(`value '${value}' has no buffer`);
    return this.buffers[b]!;
  }

  private resource(op: Op, role: BindingRole, index: number): GPUBufferBinding {
    const up = this.model.uploaded.get(op.out);
    const aliases = this.model.plan.aliases;
    const stored = (v: string) => aliases.get(v) ?? v;
    const bytes = (v: string) => packets(this.shapes.get(v)!) * this.model.bytesPerPacket;
    switch (role.kind) {
      case 'uniform':
        return { buffer: this.uniforms, offset: index * UNIFORM_SLOT, size: UNIFORM_SLOT };
      case 'out':
        return { buffer: this.buffer(op.out), size: bytes(op.out) };
      case 'in':
        return { buffer: this.buffer(stored(op.input)), size: bytes(op.input) };
      case 'weights':
        return { buffer: up!.weights! };
      case 'bias':
        return { buffer: up!.bias! };
      // A step the op does not have reads a placeholder its FLAGS never touch.
      case 'affine':
        return { buffer: up?.affine[role.slot] ?? this.model.placeholder };
      case 'residual': {
        const steps = op.kind === 'conv' || op.kind === 'eltwise' ? op.steps : [];
        const add = steps.find((s) => s.kind === 'add');
        return add
          ? { buffer: this.buffer(stored(add.other)), size: bytes(add.other) }
          : { buffer: this.model.placeholder };
      }
    }
  }

  /** The conversions' uniform buffer, and the words of one slot written for this sub-batch. */
  io(slot: 0 | 1, params: Record<(typeof IO_PARAMS)[number], number>): GPUBufferBinding {
    const engine = this.model.engine;
    this.ioUniforms ??= createBuffer(engine, 2 * UNIFORM_SLOT, UNIFORM | COPY_DST, 'io-uniforms');
    engine.device.queue.writeBuffer(
      this.ioUniforms,
      slot * UNIFORM_SLOT,
      new Uint32Array(IO_PARAMS.map((k) => params[k])),
    );
    return { buffer: this.ioUniforms, offset: slot * UNIFORM_SLOT, size: UNIFORM_SLOT };
  }

  destroy(): void {
    if (this.ioUniforms) destroyBuffer(this.ioUniforms);
    for (const b of this.buffers) destroyBuffer(b);
    destroyBuffer(this.uniforms);
    destroyBuffer(this.staging);
  }
}

/** The conversions of a run with GPU tensors (see WebGpuModel.gpuTensors). */
interface GpuTensorIo {
  in?: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup };
  out?: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; buffer: GPUBuffer };
}

const ZERO_IO = { C: 0, HW: 0, CP4: 0, N0: 0, TOTAL: 0, GRIDX: 1 };

/** What the last run cost on the queue. */
export interface RunCounts {
  readonly dispatches: number;
  readonly submits: number;
  readonly passes: number;
  readonly subBatches: number;
  readonly batch: number;
  /** Where the input came from and the output went ('gpu': GPU tensors). */
  readonly input: 'cpu' | 'gpu';
  readonly output: 'cpu' | 'gpu';
}

/** A compiled network: its plan, its weights on the device, and an executor per input shape. */
export class WebGpuModel {
  readonly plan: Plan;
  readonly uploaded = new Map<string, Uploaded>();
  readonly bytesPerPacket: number;
  /** Kernels use subgroup operations (the classifier's reduction). */
  readonly subgroups: boolean;
  readonly limits: PlanLimits;
  private readonly executors = new Map<string, Executor>();
  private readonly weightBuffers: GPUBuffer[] = [];
  /** Bound where an op lacks a step (its FLAGS never read it). */
  readonly placeholder: GPUBuffer;
  weightBytes = 0;
  runs = 0;
  lastRun?: RunCounts;

  constructor(
    readonly engine: Engine,
    readonly graph: Graph,
    weights: Weights,
    readonly options: ModelOptions = {},
  ) {
    this.plan = buildPlan(graph, weights, options.trace ?? new Set());
    this.bytesPerPacket = engine.precision === 'f16' ? 8 : 16;
    this.subgroups = options.subgroups ?? engine.features.subgroups;
    const l = options.limits ?? {};
    this.limits = {
      maxStorageBufferBindingSize: Math.min(
        engine.limits.maxStorageBufferBindingSize,
        l.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY,
      ),
      maxBufferSize: Math.min(engine.limits.maxBufferSize, l.maxBufferSize ?? Number.POSITIVE_INFINITY),
      maxComputeWorkgroupsPerDimension: Math.min(
        engine.limits.maxComputeWorkgroupsPerDimension,
        l.maxComputeWorkgroupsPerDimension ?? Number.POSITIVE_INFINITY,
      ),
    };
    this.placeholder = this.f32Buffer(new Float32Array(4), 'placeholder');
    for (const op of this.plan.ops) this.upload(op, weights);
  }

  /** Stored weights: f32, or binary16 pairs in f16 mode (rounded once on the CPU). */
  private weightBuffer(data: Float32Array, label: string): GPUBuffer {
    const bytes = this.engine.precision === 'f16' ? packHalf(data) : data;
    return this.f32Buffer(bytes, label);
  }

  private f32Buffer(data: Float32Array | Uint16Array, label: string): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const cap = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (size > cap) {
      throw new ResblocksError(
        'BACKEND_FAILED',
        `webgpu:${this.engine.backend}: '${label}' needs a ${mib(size)} buffer, more than this device's maxStorageBufferBindingSize/maxBufferSize (${mib(cap)}); weights cannot be split by batch`,
        { backend: `webgpu:${this.engine.backend}`, limit: 'maxStorageBufferBindingSize', bytes: size },
      );
    }
    const buffer = createBuffer(this.engine, size, STORAGE | COPY_DST, label);
    this.engine.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.weightBuffers.push(buffer);
    this.weightBytes += size;
    return buffer;
  }

  private stepBuffers(op: Op): Uploaded['affine'] {
    const out: [GPUBuffer | undefined, GPUBuffer | undefined] = [undefined, undefined];
    if (op.kind !== 'conv' && op.kind !== 'eltwise') return out;
    let seenAdd = false;
    let affines = 0;
    for (const s of op.steps) {
      if (s.kind === 'add') seenAdd = true;
      if (s.kind !== 'affine') continue;
      // Packet c's scale at 2c, its shift at 2c + 1.
      const st = new Float32Array(s.scale.length * 2);
      for (let c = 0; c < s.scale.length / 4; c++) {
        st.set(s.scale.subarray(4 * c, 4 * c + 4), 8 * c);
        st.set(s.shift.subarray(4 * c, 4 * c + 4), 8 * c + 4);
      }
      out[seenAdd || affines > 0 ? 1 : 0] = this.f32Buffer(st, `${s.node}.affine`);
      affines++;
    }
    return out;
  }

  private upload(op: Op, weights: Weights): void {
    if (op.kind === 'conv') {
      const n = op.node;
      const w = weights.get(n.weight)!.data;
      const b = new Float32Array(ceil4(n.outChannels));
      if (n.bias) b.set(weights.get(n.bias)!.data);
      const conv = gemmFits(n.groups, n.inChannels, n.outChannels) ? 'gemm' : 'direct';
      const laid =
        conv === 'gemm'
          ? gemmWeights(w, n.outChannels, n.inChannels, n.kernel[0], n.kernel[1], n.groups)
          : this.engine.precision === 'f16'
            ? roundToHalf(w)
            : w;
      this.uploaded.set(op.out, {
        weights: conv === 'gemm' ? this.weightBuffer(laid, n.weight) : this.f32Buffer(laid, n.weight),
        bias: this.f32Buffer(b, `${n.name}.bias`),
        affine: this.stepBuffers(op),
        conv,
      });
    } else if (op.kind === 'linear') {
      const n = op.node;
      const w = weights.get(n.weight)!.data;
      // PyTorch's [Fout][Cin] with Cin padded to packets and Fout to whole workgroups (zero rows).
      const fp = ceil4(n.outFeatures);
      const cp = ceil4(n.inFeatures);
      const t = new Float32Array(Math.ceil(n.outFeatures / LINEAR_OUTPUTS) * LINEAR_OUTPUTS * cp);
      for (let o = 0; o < n.outFeatures; o++)
        t.set(w.subarray(o * n.inFeatures, (o + 1) * n.inFeatures), o * cp);
      const b = new Float32Array(fp);
      if (n.bias) b.set(weights.get(n.bias)!.data);
      this.uploaded.set(op.out, {
        weights: this.weightBuffer(t, n.weight),
        bias: this.f32Buffer(b, `${n.name}.bias`),
        affine: [undefined, undefined],
      });
    } else if (op.kind === 'eltwise') {
      this.uploaded.set(op.out, { affine: this.stepBuffers(op) });
    }
  }

  /** The kernel, its uniform values and its workgroup count for an op at these shapes. */
  kernelFor(
    op: Op,
    shapes: ReadonlyMap<string, Shape>,
  ): { kernel: KernelSource; params: Record<string, number>; workgroups: number } {
    const p = this.engine.precision;
    const inShape = shapes.get(op.input)! as number[];
    const outShape = shapes.get(op.out)! as number[];
    const [N, C, H = 1, W = 1] = inShape as [number, number, number?, number?];
    const [, CO, OH = 1, OW = 1] = outShape as [number, number, number?, number?];
    const CP4 = Math.ceil(C / 4);
    const OP4 = Math.ceil(CO / 4);
    const linear = (total: number) => Math.ceil(total / LINEAR_THREADS);
    switch (op.kind) {
      case 'conv': {
        const n = op.node;
        const window = {
          KH: n.kernel[0],
          KW: n.kernel[1],
          SH: n.stride[0],
          SW: n.stride[1],
          PT: n.pads[0],
          PL: n.pads[1],
          DH: n.dilation[0],
          DW: n.dilation[1],
        };
        const FLAGS = stepFlags(op.steps);
        if (this.uploaded.get(op.out)!.conv === 'direct') {
          const total = N * OH * OW * OP4;
          return {
            kernel: directConv(p),
            params: {
              H,
              W,
              CP4,
              OH,
              OW,
              OP4,
              ...window,
              CING: n.inChannels / n.groups,
              COUTG: n.outChannels / n.groups,
              COUT: n.outChannels,
              TOTAL: total,
              FLAGS,
            },
            workgroups: linear(total),
          };
        }
        const g = n.groups;
        const CING4 = g === 1 ? CP4 : n.inChannels / g / 4;
        const COUTG4 = g === 1 ? OP4 : n.outChannels / g / 4;
        const M = N * OH * OW;
        const cls = layerClass({
          kernel: n.kernel,
          stride: n.stride,
          pads: n.pads,
          groups: g,
          inPerGroup: n.inChannels / g,
          outPerGroup: n.outChannels / g,
          rows: M,
        });
        const tile = fitTile(this.options.tiles?.[cls] ?? this.engine.table.classes[cls], M, COUTG4 * 4);
        const pointwise =
          n.kernel[0] === 1 &&
          n.kernel[1] === 1 &&
          n.stride[0] === 1 &&
          n.stride[1] === 1 &&
          n.pads.every((v) => v === 0);
        const TILESM = Math.ceil(M / tile.tm);
        const TILESN = Math.ceil(COUTG4 / (tile.tn / 4));
        const WGS = TILESM * TILESN * g;
        return {
          kernel: gemmConv({ precision: p, tile, pointwise, label: cls }),
          params: {
            H,
            W,
            CP4,
            OH,
            OW,
            OP4,
            ...window,
            CING4,
            COUTG4,
            K4: n.kernel[0] * n.kernel[1] * CING4,
            M,
            TILESM,
            TILESN,
            WGS,
            FLAGS,
          },
          workgroups: WGS,
        };
      }
      case 'eltwise': {
        const total = packets(outShape);
        return {
          kernel: eltwise(p),
          params: { TOTAL: total, OP4, FLAGS: stepFlags(op.steps) },
          workgroups: linear(total),
        };
      }
      case 'maxpool':
      case 'avgpool': {
        const n = op.node;
        const total = N * OH * OW * CP4;
        return {
          kernel: pool(
            p,
            op.kind === 'maxpool' ? 'max' : 'avg',
            op.kind === 'avgpool' && op.node.countIncludePad,
          ),
          params: {
            H,
            W,
            CP4,
            OH,
            OW,
            KH: n.kernel[0],
            KW: n.kernel[1],
            SH: n.stride[0],
            SW: n.stride[1],
            PT: n.pads[0],
            PL: n.pads[1],
            PB: n.pads[2],
            PR: n.pads[3],
            TOTAL: total,
          },
          workgroups: linear(total),
        };
      }
      case 'gap': {
        const total = N * CP4;
        return {
          kernel: globalAvgPool(p),
          params: { HW: H * W, CP4, TOTAL: total },
          workgroups: linear(total),
        };
      }
      case 'linear': {
        if (!op.pooled && inShape.length === 4 && H * W !== 1) {
          throw new ResblocksError(
            'UNKNOWN_OP',
            `webgpu: '${op.node.name}' reads a flatten of ${H}x${W} pixels; only a flatten of 1x1 maps runs here`,
            { node: op.node.name },
          );
        }
        const FP4 = Math.ceil(op.node.outFeatures / 4);
        const groups = Math.ceil(op.node.outFeatures / LINEAR_OUTPUTS);
        return {
          kernel: poolLinear(p, CP4, this.subgroups),
          params: { HW: H * W, FP4, GROUPS: groups, WGS: N * groups },
          workgroups: N * groups,
        };
      }
    }
  }

  /** The largest sub-batch whose buffers and dispatches fit the limits, or an error naming the limit. */
  private subBatch(shape: readonly number[]): number {
    const one = inferShapes(this.graph, [1, ...shape.slice(1)]);
    const bpp = this.bytesPerPacket;
    const limit = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    let largest = 0;
    let which = this.graph.input;
    for (const [v, s] of one) {
      const b = packets(s) * bpp;
      if (b > largest) {
        largest = b;
        which = v;
      }
    }
    const bid = `webgpu:${this.engine.backend}`;
    if (largest > limit) {
      throw new ResblocksError(
        'INPUT_TOO_LARGE',
        `${bid}: one ${shape.slice(2).join('x')} image needs a ${mib(largest)} buffer for '${which}', more than this device's maxStorageBufferBindingSize (${mib(limit)}); use a smaller input`,
        { backend: bid, limit: 'maxStorageBufferBindingSize', bytes: largest, max: limit },
      );
    }
    const maxX = this.limits.maxComputeWorkgroupsPerDimension;
    const fits = (n: number): boolean => {
      const shapes = n === 1 ? one : inferShapes(this.graph, [n, ...shape.slice(1)]);
      for (const [, s] of shapes) if (packets(s) * bpp > limit) return false;
      return this.plan.ops.every((op) => this.kernelFor(op, shapes).workgroups <= maxX * maxX);
    };
    if (!fits(1)) {
      throw new ResblocksError(
        'INPUT_TOO_LARGE',
        `${bid}: one ${shape.slice(2).join('x')} image needs more than ${maxX}x${maxX} workgroups in a dispatch (maxComputeWorkgroupsPerDimension); use a smaller input`,
        { backend: bid, limit: 'maxComputeWorkgroupsPerDimension', max: maxX },
      );
    }
    let n = Math.min(shape[0]!, Math.max(1, Math.floor(limit / largest)));
    while (n > 1 && !fits(n)) n = Math.max(1, Math.floor(n / 2));
    return n;
  }

  private forget(shape: readonly number[]): void {
    const key = shape.join('x');
    this.executors.get(key)?.destroy();
    this.executors.delete(key);
  }

  executorFor(shape: readonly number[], shapes: ReadonlyMap<string, Shape>): Executor {
    const key = shape.join('x');
    let exe = this.executors.get(key);
    if (exe) {
      this.executors.delete(key);
      this.executors.set(key, exe);
      return exe;
    }
    const batch = this.subBatch(shape);
    const subShapes = batch === shape[0] ? shapes : inferShapes(this.graph, [batch, ...shape.slice(1)]);
    exe = new Executor(this, subShapes, batch);
    this.executors.set(key, exe);
    while (this.executors.size > INPUT_SHAPE_CACHE) {
      const [oldKey, old] = this.executors.entries().next().value as [string, Executor];
      this.executors.delete(oldKey);
      old.destroy();
    }
    return exe;
  }

  private upload4(data: Float32Array, shape: readonly number[], n0: number, n1: number): ArrayBufferView {
    // NCHW to NHWC packets, channels padded with zeros.
    const [, C, H, W] = shape as [number, number, number, number];
    const cp = ceil4(C);
    const hw = H * W;
    const out = new Float32Array((n1 - n0) * hw * cp);
    for (let n = n0; n < n1; n++)
      for (let c = 0; c < C; c++) {
        const src = (n * C + c) * hw;
        const dst = (n - n0) * hw * cp + c;
        for (let p = 0; p < hw; p++) out[dst + p * cp] = data[src + p]!;
      }
    return this.engine.precision === 'f16' ? packHalf(out) : out;
  }

  /** Reads a stored value back into NCHW float32 ([N, F] for 2-D values). */
  private unpack(bytes: ArrayBuffer, offset: number, shape: Shape, into: Float32Array, n0: number): void {
    const [N, C, H = 1, W = 1] = shape as number[] as [number, number, number?, number?];
    const cp = ceil4(C);
    const hw = H * W;
    const count = N * hw * cp;
    const vals =
      this.engine.precision === 'f16'
        ? unpackHalf(new Uint16Array(bytes, offset, count))
        : new Float32Array(bytes, offset, count);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const dst = ((n0 + n) * C + c) * hw;
        const src = n * hw * cp + c;
        for (let p = 0; p < hw; p++) into[dst + p] = vals[src + p * cp]!;
      }
  }

  async run(
    input: Float32Array | GPUBuffer,
    shape: readonly number[],
    shapes: ReadonlyMap<string, Shape>,
    trace?: readonly string[],
    signal?: AbortSignal,
    /** 'gpu': the output stays on the device, in a new NCHW float32 buffer the caller owns. */
    outputOn: 'cpu' | 'gpu' = 'cpu',
  ): Promise<{ output: Float32Array | GPUBuffer; values: Map<string, Float32Array> }> {
    const engine = this.engine;
    if (engine.lost) throw deviceLost(engine);
    engine.device.pushErrorScope('validation');
    let exe: Executor;
    try {
      exe = this.executorFor(shape, shapes);
    } finally {
      const error = await engine.device.popErrorScope();
      if (error) {
        this.forget(shape);
        // biome-ignore lint/correctness/noUnsafeFinally: the validation error is the failure to report
        throw new Error(`WebGPU validation while building the plan for ${shape.join('x')}: ${error.message}`);
      }
    }
    const N = shape[0]!;
    const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
    const outShape = shapes.get(this.graph.output)!;
    const values = new Map<string, Float32Array>();
    for (const t of trace ?? []) values.set(t, new Float32Array(size(shapes.get(t)!)));
    const device = engine.device;
    const inBuf = exe.buffers[exe.layout.bufferOf.get(this.graph.input)!]!;
    const outValue = this.plan.aliases.get(this.graph.output) ?? this.graph.output;
    const outBuf = exe.buffers[exe.layout.bufferOf.get(outValue)!]!;
    const io = await this.gpuTensors(exe, input, outputOn, shape, outShape, outBuf, inBuf);
    const output = outputOn === 'gpu' ? io.out!.buffer : new Float32Array(size(outShape));
    // What is read back after each pass: the output unless it stays on the GPU, and traced values.
    const readback = exe.readback.filter((r) => outputOn === 'cpu' || values.has(r.value));
    let submits = 0;
    let chunks = 0;
    // The conversions run a thread per element or packet, on the same grid split as the plan's dispatches.
    const ioGrid = (total: number) =>
      grid(Math.ceil(total / LINEAR_THREADS), this.limits.maxComputeWorkgroupsPerDimension);
    try {
      for (let n0 = 0; n0 < N; n0 += exe.batch) {
        if (signal?.aborted) break;
        const n1 = Math.min(N, n0 + exe.batch);
        const rows = n1 - n0;
        device.pushErrorScope('validation');
        // A short last chunk runs the whole sub-batch plan; the rows past it are left over and not read.
        if (input instanceof Float32Array) {
          const data = this.upload4(input, shape, n0, n1);
          device.queue.writeBuffer(inBuf, 0, data.buffer, data.byteOffset, data.byteLength);
        }
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        if (io.in) {
          const [, C, H, W] = shape as [number, number, number, number];
          const total = rows * H * W * Math.ceil(C / 4);
          const g = ioGrid(total);
          exe.io(0, { C, HW: H * W, CP4: Math.ceil(C / 4), N0: n0, TOTAL: total, GRIDX: g.x });
          pass.setPipeline(io.in.pipeline);
          pass.setBindGroup(0, io.in.bindGroup);
          pass.dispatchWorkgroups(g.x, g.y);
        }
        for (const d of exe.dispatches) {
          pass.setPipeline(d.pipeline);
          pass.setBindGroup(0, d.bindGroup);
          pass.dispatchWorkgroups(d.x, d.y);
        }
        if (io.out) {
          const [, C, H = 1, W = 1] = outShape as number[] as [number, number, number?, number?];
          const total = rows * C * H * W;
          const g = ioGrid(total);
          exe.io(1, { C, HW: H * W, CP4: Math.ceil(C / 4), N0: n0, TOTAL: total, GRIDX: g.x });
          pass.setPipeline(io.out.pipeline);
          pass.setBindGroup(0, io.out.bindGroup);
          pass.dispatchWorkgroups(g.x, g.y);
        }
        pass.end();
        for (const r of readback) {
          const buf = exe.buffers[exe.layout.bufferOf.get(this.plan.aliases.get(r.value) ?? r.value)!]!;
          encoder.copyBufferToBuffer(buf, 0, exe.staging, r.offset, r.bytes);
        }
        device.queue.submit([encoder.finish()]);
        submits++;
        chunks++;
        const errors = device.popErrorScope();
        if (!readback.length) {
          const error = await errors;
          if (error) throw new Error(`WebGPU validation: ${error.message}`);
          continue;
        }
        try {
          await exe.staging.mapAsync(MAP_READ);
        } catch (e) {
          if (engine.lost) throw deviceLost(engine);
          throw e;
        }
        const error = await errors;
        if (error) {
          exe.staging.unmap();
          throw new Error(`WebGPU validation: ${error.message}`);
        }
        const bytes = exe.staging.getMappedRange();
        for (const r of readback) {
          const full = exe.shapes.get(r.value)!;
          const part = [rows, ...full.slice(1)];
          if (r.value === this.graph.output && output instanceof Float32Array)
            this.unpack(bytes, r.offset, part, output, n0);
          const traced = values.get(r.value);
          if (traced) this.unpack(bytes, r.offset, part, traced, n0);
        }
        exe.staging.unmap();
      }
      if (engine.lost) throw deviceLost(engine);
      // The kit has rejected the run already; what was written is dropped.
      if (signal?.aborted) throw new Error('aborted');
    } catch (e) {
      // A GPU output made for this run is the caller's only once the run succeeds.
      io.out?.buffer.destroy();
      throw e;
    }
    this.runs++;
    const extra = (io.in ? 1 : 0) + (io.out ? 1 : 0);
    this.lastRun = {
      dispatches: (exe.dispatches.length + extra) * chunks,
      submits,
      passes: chunks,
      subBatches: chunks,
      batch: exe.batch,
      input: io.in ? 'gpu' : 'cpu',
      output: outputOn,
    };
    return { output, values };
  }

  /**
   * The conversions a run with GPU tensors adds to its pass: the caller's input buffer into the
   * input packets, the output packets into a new buffer the caller owns. A buffer of another device
   * fails validation here, before anything is submitted, and is reported as INPUT_DEVICE.
   */
  private async gpuTensors(
    exe: Executor,
    input: Float32Array | GPUBuffer,
    outputOn: 'cpu' | 'gpu',
    shape: readonly number[],
    outShape: Shape,
    outBuf: GPUBuffer,
    inBuf: GPUBuffer,
  ): Promise<GpuTensorIo> {
    const engine = this.engine;
    const device = engine.device;
    const io: GpuTensorIo = {};
    if (!(input instanceof Float32Array)) {
      const pipeline = pipelineFor(engine, fromNchw(engine.precision));
      device.pushErrorScope('validation');
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: exe.io(0, ZERO_IO) },
          { binding: 1, resource: { buffer: inBuf } },
          { binding: 2, resource: { buffer: input, size: sizeOf(shape) * 4 } },
        ],
      });
      const error = await device.popErrorScope();
      if (error) {
        throw new ResblocksError(
          'INPUT_DEVICE',
          `webgpu:${engine.backend}: the input buffer cannot be bound on this model's device (a buffer of another GPUDevice? create it on model.gpu.device): ${error.message}`,
          { backend: `webgpu:${engine.backend}` },
        );
      }
      io.in = { pipeline, bindGroup };
    }
    if (outputOn === 'gpu') {
      const pipeline = pipelineFor(engine, toNchw(engine.precision));
      const bytes = sizeOf(outShape) * 4;
      // The caller's: not counted in resources(), destroyed by the caller.
      const buffer = device.createBuffer({
        size: Math.max(16, bytes),
        usage: STORAGE | COPY_SRC | COPY_DST,
        label: `webgpu:${engine.backend} output`,
      });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: exe.io(1, ZERO_IO) },
          { binding: 1, resource: { buffer, size: bytes } },
          { binding: 2, resource: { buffer: outBuf } },
        ],
      });
      io.out = { pipeline, bindGroup, buffer };
    }
    return io;
  }

  /**
   * Times each dispatch of one run on the GPU's clock (timestamp queries, one pass per dispatch):
   * for tuning, never for the real runs, which keep one pass. Needs the `timestamp-query` feature.
   */
  async profile(
    input: Float32Array,
    shape: readonly number[],
  ): Promise<{ label: string; node: string; ms: number }[]> {
    const engine = this.engine;
    if (!engine.features.timestampQuery)
      throw new Error('this adapter has no timestamp-query feature: profile() cannot time dispatches');
    const shapes = inferShapes(this.graph, shape);
    const exe = this.executorFor(shape, shapes);
    if (exe.batch !== shape[0]) throw new Error('profile() times one sub-batch: use a batch that fits');
    const device = engine.device;
    const count = exe.dispatches.length * 2;
    const querySet = device.createQuerySet({ type: 'timestamp', count });
    const resolve = device.createBuffer({ size: count * 8, usage: 0x200 | COPY_SRC }); // QUERY_RESOLVE
    const read = device.createBuffer({ size: count * 8, usage: MAP_READ | COPY_DST });
    try {
      const data = this.upload4(input, shape, 0, shape[0]!);
      const inBuf = exe.buffers[exe.layout.bufferOf.get(this.graph.input)!]!;
      device.queue.writeBuffer(inBuf, 0, data.buffer, data.byteOffset, data.byteLength);
      const encoder = device.createCommandEncoder();
      exe.dispatches.forEach((d, i) => {
        const pass = encoder.beginComputePass({
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.x, d.y);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(MAP_READ);
      const t = new BigInt64Array(read.getMappedRange().slice(0));
      read.unmap();
      return exe.dispatches.map((d, i) => ({
        label: d.label,
        node: this.plan.ops[i]!.out,
        ms: Number(t[2 * i + 1]! - t[2 * i]!) / 1e6,
      }));
    } finally {
      querySet.destroy();
      resolve.destroy();
      read.destroy();
    }
  }

  info(): Record<string, unknown> {
    const last = [...this.executors.values()].at(-1);
    const kernels = last ? [...new Set(last.labels)] : [];
    return {
      backend: this.engine.backend,
      engine: 'resblocks WGSL',
      storage: this.engine.precision === 'f16' ? 'f16 (packed pairs), f32 accumulation' : 'f32',
      adapter: this.engine.adapter,
      features: this.engine.features,
      subgroups: this.subgroups,
      table: this.engine.tableFile ?? 'default',
      runs: this.runs,
      plan: {
        ops: this.plan.ops.length,
        fusedNodes: this.plan.fusedNodes,
        weightBytes: this.weightBytes,
        ...(last
          ? {
              batch: last.batch,
              buffers: last.layout.sizes.length,
              activationBytes: last.layout.totalBytes,
              unsharedBytes: last.layout.unsharedBytes,
              peakLiveBytes: last.layout.peakLiveBytes,
              pipelines: new Set(last.dispatches.map((d) => d.pipeline)).size,
              kernelClasses: kernels,
            }
          : {}),
        pipelinesOnDevice: pipelinesOn(this.engine.device),
      },
      builtShapes: [...this.executors.keys()],
      ...(this.lastRun ? { lastRun: this.lastRun } : {}),
    };
  }

  release(): void {
    for (const exe of this.executors.values()) exe.destroy();
    this.executors.clear();
    for (const b of this.weightBuffers) destroyBuffer(b);
    this.weightBuffers.length = 0;
  }
}

/** The kit's view of a model: CPU tensors, and GPU tensors on the engine's device. */
export function engineModel(model: WebGpuModel): EngineModel {
  return {
    async run(input, { shapes, signal, trace }) {
      const { output, values } = await model.run(input.data, input.shape, shapes, trace, signal);
      return trace ? { output: output as Float32Array, values } : (output as Float32Array);
    },
    gpu: {
      device: model.engine.device,
      async run(input, { shapes, signal, trace, output: on = 'cpu' }) {
        const data = isGpuTensor(input) ? (input.buffer as GPUBuffer) : input.data;
        const { output, values } = await model.run(data, input.shape, shapes, trace, signal, on);
        if (output instanceof Float32Array) return trace ? { output, values } : output;
        return { shape: shapes.get(model.graph.output)!, buffer: output };
      },
    },
    async release() {
      model.release();
    },
    info: () => model.info(),
  };
}

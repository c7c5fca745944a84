import { type Graph, ResblocksError, type Shape } from '@resblocks/spec';
import { counters } from './counters.js';
import { elements, type Layout, outputDims, rank1, rank3 } from './layout.js';
import { type GpuInstance, type GpuJs, isBufferHandle, type KernelShortcut } from './lib.js';
import type { Op, Plan } from './plan.js';
import {
  avgPoolSource,
  convSource,
  eltwiseSource,
  gapSource,
  type KernelSource,
  linearSource,
  maxPoolSource,
  uploadSource,
} from './sources.js';

export interface Launch {
  readonly kernel: KernelShortcut;
  /** Values passed, in parameter order. */
  readonly args: readonly string[];
  readonly out: string;
  readonly label: string;
  checked: boolean;
}

/** What a compiled model runs for one input shape. */
export interface Runner {
  readonly kernelCount: number;
  run(data: Float32Array): Promise<Float32Array>;
  destroy(): void;
}

/** Calls one kernel and checks, on its first call, that gpu.js really ran the requested mode. */
export async function callLaunch(
  l: Launch,
  args: unknown[],
  mode: string,
  backendId: string,
  /** The kernel class of the GPU instance (checked against the mode when it was created). */
  expected: unknown,
): Promise<unknown> {
  let r: unknown;
  try {
    r = l.kernel(...args);
    if (r instanceof Promise) r = await r;
  } catch (e) {
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `${backendId}: gpu.js failed to run kernel '${l.label}': ${(e as Error).message}`,
      { backend: backendId, kernel: l.label },
      { cause: e },
    );
  }
  if (!l.checked) {
    // Compare classes, not `mode`: WebGL2Kernel inherits WebGLKernel's mode 'gpu', and a kernel
    // that failed to compile falls back to CPUKernel.
    const cls = l.kernel.kernel.constructor as { mode?: string; name?: string };
    if (cls !== expected) {
      const ran = cls.name ?? cls.mode;
      if (isBufferHandle(r)) r.delete();
      throw new ResblocksError(
        'BACKEND_UNAVAILABLE',
        `${backendId}: gpu.js ran kernel '${l.label}' in mode '${ran}' instead of '${mode}'${l.kernel.kernel.fallbackReason ? ` (${l.kernel.kernel.fallbackReason})` : ''}`,
        { backend: backendId, mode: ran },
      );
    }
    l.checked = true;
  }
  return r;
}

/**
 * The kernels of one compiled model for one input shape: built once, then called in order on
 * every run. Intermediate values stay where the backend keeps pipeline results (GPU buffers on
 * webgpu, textures on webgl2, typed arrays on webasm/cpu); each kernel owns its output, so a run
 * allocates nothing new on the device.
 */
export class Executable implements Runner {
  private readonly launches: Launch[] = [];
  private readonly upload: Launch;
  private readonly layouts = new Map<string, Layout>();
  private readonly output: string;
  private readonly outputSize: number;
  /** Flatten is free: its value is its input's, read under the new shape. */
  private readonly resolveArgs: (v: string) => string;

  constructor(
    private readonly lib: GpuJs,
    private readonly gpu: GpuInstance,
    private readonly mode: string,
    private readonly backendId: string,
    plan: Plan,
    graph: Graph,
    private readonly shapes: Map<string, Shape>,
  ) {
    const inputLayout = rank3(shapes.get(graph.input)!);
    this.layouts.set(graph.input, inputLayout);
    this.upload = this.launch('upload', uploadSource(), inputLayout, [graph.input], graph.input);
    this.resolveArgs = (v: string) => plan.aliases.get(v) ?? v;
    for (const op of plan.ops) this.add(op, plan);
    this.output = this.resolveArgs(graph.output);
    this.outputSize = elements(this.layouts.get(this.output)!);
  }

  get kernelCount(): number {
    return this.launches.length + 1;
  }

  private layoutOf(value: string, plan: Plan): Layout {
    const l = this.layouts.get(plan.aliases.get(value) ?? value);
    if (!l)
      throw new ResblocksError('UNKNOWN_OP', `value '${value}' is used before it is computed`, { value });
    return l;
  }

  private add(op: Op, plan: Plan): void {
    const x = this.layoutOf(op.input, plan);
    let y: Layout;
    let src: KernelSource;
    switch (op.kind) {
      case 'conv':
        y = rank3(this.shapes.get(op.node.name)!);
        src = convSource(op.node, x, y, op.weight, op.bias, op.steps);
        break;
      case 'eltwise':
        y = x;
        src = eltwiseSource(x, op.steps);
        break;
      case 'maxpool':
        y = rank3(this.shapes.get(op.out)!);
        src = maxPoolSource(op.node, x);
        break;
      case 'avgpool':
        y = rank3(this.shapes.get(op.out)!);
        src = avgPoolSource(op.node, x);
        break;
      case 'gap':
        y = rank1(x.n, x.c);
        src = gapSource(x);
        break;
      case 'linear':
        y = rank1(x.n, op.node.outFeatures);
        src = linearSource(op.node, x, op.weight, op.bias);
        break;
    }
    const others = op.kind === 'conv' || op.kind === 'eltwise' ? op.steps : [];
    const args = [op.input];
    for (const s of others) if (s.kind === 'add') args.push(s.other);
    for (const a of args.slice(1)) {
      const l = this.layoutOf(a, plan);
      if (l.rank !== y.rank) {
        throw new ResblocksError('UNKNOWN_OP', `gpujs cannot add values of different layouts ('${a}')`, {
          value: a,
        });
      }
    }
    this.layouts.set(op.out, y);
    this.launches.push(this.launch(op.kind, src, y, args, op.out));
  }

  private launch(kind: string, src: KernelSource, y: Layout, args: string[], out: string): Launch {
    const kernel = this.gpu.createKernel(src.source, {
      output: outputDims(y),
      constants: src.constants,
      pipeline: true,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: 1 << 20,
    });
    counters.kernelCreated(this.mode, kernel);
    return { kernel, args, out, label: `${kind} -> ${out}`, checked: false };
  }

  private call(l: Launch, args: unknown[]): Promise<unknown> {
    return callLaunch(l, args, this.mode, this.backendId, this.gpu.Kernel);
  }

  async run(data: Float32Array): Promise<Float32Array> {
    const values = new Map<string, unknown>();
    try {
      const x = this.layouts.get(this.upload.out)!;
      values.set(this.upload.out, await this.call(this.upload, [this.lib.input(data, outputDims(x))]));
      for (const l of this.launches) {
        values.set(
          l.out,
          await this.call(
            l,
            l.args.map((a) => values.get(this.resolveArgs(a))),
          ),
        );
      }
      let result = values.get(this.output);
      if (typeof (result as { toArray?: unknown }).toArray === 'function') {
        result = await (result as { toArray(): unknown }).toArray();
      }
      const out = new Float32Array(this.outputSize);
      const written = flattenInto(result, out, 0);
      if (written !== out.length) {
        throw new ResblocksError(
          'BACKEND_UNAVAILABLE',
          `${this.backendId}: read back ${written} values, expected ${out.length}`,
          { backend: this.backendId },
        );
      }
      return out;
    } finally {
      // Each webgpu result handle holds a reference on its kernel's output buffer.
      for (const v of values.values()) if (isBufferHandle(v)) v.delete();
    }
  }

  destroy(): void {
    for (const l of [this.upload, ...this.launches]) {
      l.kernel.destroy(true);
      counters.kernelDestroyed(this.mode, l.kernel);
    }
    this.launches.length = 0;
  }
}

/** Copies gpu.js's nested result arrays (outermost = slowest axis) into `out` in order. */
export function flattenInto(v: unknown, out: Float32Array, offset: number): number {
  if (ArrayBuffer.isView(v)) {
    const a = v as Float32Array;
    out.set(a.subarray(0, Math.min(a.length, out.length - offset)), offset);
    return offset + a.length;
  }
  if (Array.isArray(v)) {
    let o = offset;
    for (const item of v) o = flattenInto(item, out, o);
    return o;
  }
  if (typeof v === 'number') {
    out[offset] = v;
    return offset + 1;
  }
  throw new ResblocksError('BACKEND_UNAVAILABLE', 'gpu.js returned a result of unknown type', {});
}

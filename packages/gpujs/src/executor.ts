import { abortedError, type BackendId, type Graph, isResblocksError, type Shape } from '@resblocks/spec';
import { counters, queueCounts } from './counters.js';
import type { Engine } from './engine.js';
import { backendFailed, deviceLost } from './failures.js';
import type { KernelShortcut } from './gpujs-api.js';
import type { KernelSource } from './kernel-family.js';
import { type Layout, rank1, rank3, sameLayout } from './layout.js';
import type { Op, Plan } from './plan.js';

/** What one run did: kernel dispatches, and on webgpu the queue submits and buffer writes. */
export interface RunCounts {
  readonly dispatches: number;
  readonly submits?: number;
  readonly uploads?: number;
}

interface Launch {
  readonly kernel: KernelShortcut;
  /** Values passed, in parameter order. */
  readonly args: readonly string[];
  readonly out: string;
  readonly label: string;
  checked: boolean;
}

/** The value name of the caller's input as the upload kernel receives it. */
const INPUT = '#input';

/**
 * The kernels of one compiled model for one input shape: built once (on their first call), then
 * called in order on every run. Each kernel owns its output, so a run allocates nothing new on
 * the device; where values live between kernels is the mode's `ValuePassing`.
 */
export class Executor {
  private readonly launches: Launch[] = [];
  private readonly layouts = new Map<string, Layout>();
  private readonly output: string;
  /** Flatten is free: its value is its input's, read under the new shape. */
  private readonly resolve: (v: string) => string;
  lastRun: RunCounts | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly id: BackendId,
    plan: Plan,
    graph: Graph,
    private readonly shapes: ReadonlyMap<string, Shape>,
  ) {
    this.resolve = (v) => plan.aliases.get(v) ?? v;
    const x = this.activation(graph.input);
    this.layouts.set(graph.input, x);
    this.launch('upload', engine.family.upload(x), x, [INPUT], graph.input);
    for (const op of plan.ops) this.add(op);
    this.output = this.resolve(graph.output);
  }

  get kernelCount(): number {
    return this.launches.length;
  }

  private activation(value: string): Layout {
    const [n, c, h, w] = this.shapes.get(value)! as [number, number, number, number];
    return rank3(n, c, h, w, this.engine.family.blocked);
  }

  private layoutOf(value: string): Layout {
    const l = this.layouts.get(this.resolve(value));
    if (!l) throw backendFailed(this.id, `value '${value}' is used before it is computed`, { value });
    return l;
  }

  private add(op: Op): void {
    const { family } = this.engine;
    let input = op.input;
    let x = this.layoutOf(input);
    let y: Layout;
    let src: KernelSource;
    switch (op.kind) {
      case 'conv': {
        const [pt, pl, pb, pr] = op.node.pads;
        if (family.pad && (pt || pl || pb || pr)) {
          // Pad once into a kernel-owned value, so the convolution reads without bounds checks.
          const padded = rank3(x.n, x.c, x.h + pt + pb, x.w + pl + pr, family.blocked);
          input = `${op.out}#pad`;
          this.layouts.set(input, padded);
          this.launch('pad', family.pad(x, padded, pt, pl), padded, [op.input], input);
          x = padded;
        }
        y = this.activation(op.node.name);
        src = family.conv(op.node, x, y, op.weight, op.bias, op.steps);
        break;
      }
      case 'eltwise':
        y = x;
        src = family.eltwise(x, op.steps);
        break;
      case 'maxpool':
        y = this.activation(op.out);
        src = family.maxPool(op.node, x, y);
        break;
      case 'avgpool':
        y = this.activation(op.out);
        src = family.avgPool(op.node, x, y);
        break;
      case 'gap':
        y = rank1(x.n, x.c);
        src = family.gap(x);
        break;
      case 'linear':
        y = rank1(x.n, op.node.outFeatures);
        src = family.linear(op.node, x, op.weight, op.bias);
        break;
    }
    const args = [input];
    const steps = op.kind === 'conv' || op.kind === 'eltwise' ? op.steps : [];
    for (const s of steps) {
      if (s.kind !== 'add') continue;
      if (!sameLayout(this.layoutOf(s.other), y)) {
        throw backendFailed(this.id, `gpujs cannot add values of different layouts ('${s.other}')`, {
          value: s.other,
        });
      }
      args.push(s.other);
    }
    this.layouts.set(op.out, y);
    this.launch(op.kind, src, y, args, op.out);
  }

  private launch(kind: string, src: KernelSource, y: Layout, args: string[], out: string): void {
    const { gpu, family, passing, mode } = this.engine;
    const kernel = gpu.createKernel(src.source, {
      output: family.dims(y),
      constants: src.constants,
      pipeline: passing.pipeline,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: 1 << 20,
    });
    passing.adopt(kernel);
    counters.kernelCreated(mode, kernel);
    this.launches.push({ kernel, args, out, label: `${kind} -> ${out}`, checked: false });
  }

  /** Calls one kernel and checks, on its first call, that gpu.js really ran the requested mode. */
  private async call(l: Launch, args: unknown[]): Promise<unknown> {
    const { gpu, mode, context } = this.engine;
    const { id } = this;
    let r: unknown;
    try {
      r = l.kernel(...args);
      if (r instanceof Promise) r = await r;
    } catch (e) {
      if (context?.isLost) throw deviceLost(id, e);
      throw backendFailed(
        id,
        `gpu.js failed to run kernel '${l.label}': ${(e as Error).message}`,
        { kernel: l.label },
        e,
      );
    }
    if (!l.checked) {
      // Compare classes, not `mode`: WebGL2Kernel inherits WebGLKernel's mode 'gpu', and a kernel
      // that failed to compile falls back to CPUKernel.
      const cls = l.kernel.kernel.constructor;
      if (cls !== gpu.Kernel) {
        const ran = cls.name ?? cls.mode;
        this.engine.passing.release([r]);
        const why = l.kernel.kernel.fallbackReason ? ` (${l.kernel.kernel.fallbackReason})` : '';
        throw backendFailed(
          id,
          `gpu.js ran kernel '${l.label}' in mode '${ran}' instead of '${mode}'${why}`,
          {
            mode: ran,
          },
        );
      }
      l.checked = true;
    }
    return r;
  }

  /** Runs every kernel; reads back the output and the `trace` values (each ends its launch, see buildPlan). */
  async run(
    data: Float32Array,
    signal?: AbortSignal,
    trace: readonly string[] = [],
  ): Promise<{ output: Float32Array; values: Map<string, Float32Array> }> {
    const { lib, family, passing, context } = this.engine;
    const { id } = this;
    if (context?.isLost) throw deviceLost(id);
    const input = this.layoutOf(this.launches[0]!.out);
    const values = new Map<string, unknown>([
      [INPUT, family.blocked ? data : lib.input(data, family.dims(input))],
    ]);
    const queue = context ? queueCounts(context.device) : undefined;
    const before = queue ? { ...queue } : undefined;
    try {
      for (const l of this.launches) {
        if (signal?.aborted) throw abortedError(id, signal);
        const r = await this.call(
          l,
          l.args.map((a) => values.get(this.resolve(a))),
        );
        values.set(l.out, passing.take(r, this.layouts.get(l.out)!, id));
      }
      const out = await passing.read(values.get(this.output), this.layoutOf(this.output), id);
      const traced = new Map<string, Float32Array>();
      for (const name of trace) {
        const value = values.get(this.resolve(name));
        if (value === undefined)
          throw backendFailed(id, `value '${name}' was fused away and cannot be traced`);
        traced.set(name, await passing.read(value, this.layoutOf(name), id));
      }
      this.lastRun = {
        dispatches: this.launches.length,
        ...(queue && before
          ? { submits: queue.submits - before.submits, uploads: queue.writes - before.writes }
          : {}),
      };
      return { output: out, values: traced };
    } catch (e) {
      if (context?.isLost) throw deviceLost(id, e);
      if (isResblocksError(e)) throw e;
      throw backendFailed(id, `reading the result back failed: ${(e as Error).message}`, {}, e);
    } finally {
      passing.release(values.values());
    }
  }

  destroy(): void {
    const built = this.engine.gpu.kernels;
    for (const l of this.launches) {
      // Not destroy(true): that forgets the canvas's texture size, which every model on this
      // mode's one gpu.js instance shares (webgl2 kernels built later then render clipped).
      l.kernel.destroy();
      // The shared instance outlives this model: a kernel left in its list is never freed.
      const i = built?.indexOf(l.kernel.kernel) ?? -1;
      if (i >= 0) built!.splice(i, 1);
      counters.kernelDestroyed(this.engine.mode, l.kernel);
    }
    this.launches.length = 0;
  }
}

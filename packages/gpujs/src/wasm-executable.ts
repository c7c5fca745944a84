import { type Graph, ResblocksError, type Shape } from '@resblocks/spec';
import { counters } from './counters.js';
import { callLaunch, flattenInto, type Launch, type Runner } from './executable.js';
import type { GpuInstance, KernelShortcut } from './lib.js';
import type { Op, Plan } from './plan.js';
import type { KernelSource } from './sources.js';
import {
  unblock,
  type WasmLayout,
  wasmAvgPoolSource,
  wasmConvSource,
  wasmElements,
  wasmEltwiseSource,
  wasmGapSource,
  wasmLinearSource,
  wasmMaxPoolSource,
  wasmOutputDims,
  wasmPadSource,
  wasmRank1,
  wasmRank3,
  wasmUploadSource,
} from './wasm-sources.js';

const rank3Of = (s: Shape) => wasmRank3(s[0]!, s[1]!, s[2]!, s[3]!);

/**
 * The webasm kernels of one compiled model for one input shape (see wasm-sources.ts for the
 * kernel shapes). Every value travels between kernels as one flat Float32Array: gpu.js copies
 * it into the next kernel's wasm memory with a single `set`, and a result is taken back as the
 * typed array behind gpu.js's row views, never walked as nested arrays.
 */
export class WasmExecutable implements Runner {
  private readonly launches: Launch[] = [];
  private readonly layouts = new Map<string, WasmLayout>();
  private readonly output: string;
  private readonly resolve: (v: string) => string;

  constructor(
    private readonly gpu: GpuInstance,
    private readonly mode: string,
    private readonly backendId: string,
    plan: Plan,
    graph: Graph,
    private readonly shapes: Map<string, Shape>,
  ) {
    this.resolve = (v: string) => plan.aliases.get(v) ?? v;
    const x = rank3Of(shapes.get(graph.input)!);
    this.layouts.set(graph.input, x);
    this.launch('upload', wasmUploadSource(x), x, ['#input'], graph.input);
    for (const op of plan.ops) this.add(op);
    this.output = this.resolve(graph.output);
  }

  get kernelCount(): number {
    return this.launches.length;
  }

  private layoutOf(value: string): WasmLayout {
    const l = this.layouts.get(this.resolve(value));
    if (!l)
      throw new ResblocksError('UNKNOWN_OP', `value '${value}' is used before it is computed`, { value });
    return l;
  }

  private add(op: Op): void {
    let input = op.input;
    let x = this.layoutOf(input);
    let y: WasmLayout;
    let src: KernelSource;
    switch (op.kind) {
      case 'conv': {
        const [pt, pl, pb, pr] = op.node.pads;
        if (pt || pl || pb || pr) {
          // Pad once into a kernel-owned value, so the convolution reads without bounds checks.
          const padded = wasmRank3(x.n, x.c, x.h + pt + pb, x.w + pl + pr);
          const name = `${op.out}#pad`;
          this.launch('pad', wasmPadSource(x, padded, pt, pl), padded, [input], name);
          this.layouts.set(name, padded);
          input = name;
          x = padded;
        }
        y = rank3Of(this.shapes.get(op.node.name)!);
        src = wasmConvSource(op.node, x, y, op.weight, op.bias, op.steps);
        break;
      }
      case 'eltwise':
        y = x;
        src = wasmEltwiseSource(x, op.steps);
        break;
      case 'maxpool':
        y = rank3Of(this.shapes.get(op.out)!);
        src = wasmMaxPoolSource(op.node, x, y);
        break;
      case 'avgpool':
        y = rank3Of(this.shapes.get(op.out)!);
        src = wasmAvgPoolSource(op.node, x, y);
        break;
      case 'gap':
        y = wasmRank1(x.n, x.c);
        src = wasmGapSource(x);
        break;
      case 'linear':
        y = wasmRank1(x.n, op.node.outFeatures);
        src = wasmLinearSource(op.node, x, op.weight, op.bias);
        break;
    }
    const args = [input];
    const steps = op.kind === 'conv' || op.kind === 'eltwise' ? op.steps : [];
    for (const s of steps) {
      if (s.kind !== 'add') continue;
      const l = this.layoutOf(s.other);
      if (l.rank !== y.rank || l.c4 !== y.c4 || wasmElements(l) !== wasmElements(y)) {
        throw new ResblocksError(
          'UNKNOWN_OP',
          `gpujs cannot add values of different layouts ('${s.other}')`,
          {
            value: s.other,
          },
        );
      }
      args.push(s.other);
    }
    this.layouts.set(op.out, y);
    this.launch(op.kind, src, y, args, op.out);
  }

  private launch(kind: string, src: KernelSource, y: WasmLayout, args: string[], out: string): void {
    const kernel: KernelShortcut = this.gpu.createKernel(src.source, {
      output: wasmOutputDims(y),
      constants: src.constants,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: 1 << 20,
    });
    // gpu.js shapes a result as one subarray view per row, or per cell for Array(4) returns
    // (hundreds of thousands of views per large kernel); the flat array is all the next kernel
    // needs. Kept on this instance only: if gpu.js swaps the instance, `flat` still copes.
    const inner = kernel.kernel as { _shapeOutput?: (data: Float32Array) => unknown };
    if (typeof inner._shapeOutput === 'function') inner._shapeOutput = (data) => data;
    counters.kernelCreated(this.mode, kernel);
    this.launches.push({ kernel, args, out, label: `${kind} -> ${out}`, checked: false });
  }

  async run(data: Float32Array): Promise<Float32Array> {
    const values = new Map<string, Float32Array>([['#input', data]]);
    for (const l of this.launches) {
      const args = l.args.map((a) => values.get(this.resolve(a))!);
      const r = await callLaunch(l, args, this.mode, this.backendId, this.gpu.Kernel);
      values.set(l.out, this.flat(r, wasmElements(this.layouts.get(l.out)!)));
    }
    const layout = this.layoutOf(this.output);
    return Float32Array.from(unblock(values.get(this.output)!, layout));
  }

  /** The result's values in memory order: gpu.js's row views all share one buffer of exactly them. */
  private flat(r: unknown, length: number): Float32Array {
    let leaf: unknown = r;
    while (Array.isArray(leaf)) leaf = leaf[0];
    if (leaf instanceof Float32Array && leaf.buffer.byteLength === length * 4) {
      return new Float32Array(leaf.buffer, 0, length);
    }
    const out = new Float32Array(length);
    const written = flattenInto(r, out, 0);
    if (written !== length) {
      throw new ResblocksError(
        'BACKEND_UNAVAILABLE',
        `${this.backendId}: a kernel returned ${written} values, expected ${length}`,
        { backend: this.backendId },
      );
    }
    return out;
  }

  destroy(): void {
    for (const l of this.launches) {
      l.kernel.destroy(true);
      counters.kernelDestroyed(this.mode, l.kernel);
    }
    this.launches.length = 0;
  }
}

/**
 * Measures onnxruntime-web's WebGPU EP session options side by side (not a test): layout, graph
 * optimization level, a fixed input shape (free dimension overrides), graph capture, and GPU-resident
 * input/output (IO binding, what a caller holding GPU buffers would see). Variants the adapter
 * exposes run through `onnxWebAdapter.compile(..., options)`; ORT's bare defaults and IO binding run
 * on onnxruntime-web directly. Every session is created first, then the runs are interleaved
 * (A, B, C, ... A, B, C) so load changes on a shared machine hit every variant alike. JSON on
 * stdout (or --json FILE). Flags:
 *   --models resnet8_cifar,resnet18   --size 32   --batch 1   --iterations 5   --variants a,b
 *   --max-ms 120000   stop sampling after this long (once every variant has 3 samples)
 *   --warmup 1        runs before timing, the first included (a captured graph records there)
 */
import { benchArgs, benchMachine, runBenchScript, timeRuns } from '@resblocks/conformance';
import { exportOnnx, INPUT_NAME } from '@resblocks/onnx';
import { initWeights, networkGraph, seededInput, type Tensor } from '@resblocks/spec';
import { type OnnxWebCompileOptions, onnxWebAdapter } from '../src/index.js';
import { loadRuntime, type Runtime } from '../src/runtime.js';

const args = benchArgs({ models: ['resnet8_cifar', 'resnet18'], size: 32, iterations: 5, warmup: 1 });
const { size } = args;
const batch = args.number('batch', 1);

type Options = Omit<OnnxWebCompileOptions, 'backend'>;
interface Variant {
  readonly id: string;
  /** Through the adapter with these compile options (inputShape filled in when `fixed`). */
  readonly adapter?: Options;
  readonly fixed?: boolean;
  /** On onnxruntime-web directly: its defaults, or IO binding (input uploaded once, output left on the GPU). */
  readonly direct?: 'ort-defaults' | 'gpu-io';
}

const VARIANTS: readonly Variant[] = [
  { id: 'ort-defaults', direct: 'ort-defaults' },
  { id: 'nhwc-all', adapter: { layout: 'NHWC', graphOptimization: 'all' } },
  { id: 'nchw-all', adapter: { layout: 'NCHW', graphOptimization: 'all' } },
  { id: 'nhwc-extended', adapter: { layout: 'NHWC', graphOptimization: 'extended' } },
  { id: 'nhwc-basic', adapter: { layout: 'NHWC', graphOptimization: 'basic' } },
  { id: 'nhwc-disabled', adapter: { layout: 'NHWC', graphOptimization: 'disabled' } },
  { id: 'nhwc-all-fixed', adapter: { layout: 'NHWC', graphOptimization: 'all' }, fixed: true },
  {
    id: 'nhwc-all-fixed-capture',
    adapter: { layout: 'NHWC', graphOptimization: 'all', graphCapture: true },
    fixed: true,
  },
  { id: 'nhwc-all-fixed-gpu-io', direct: 'gpu-io', fixed: true },
];
const wanted = args.list(
  'variants',
  VARIANTS.map((v) => v.id),
);
const variants = VARIANTS.filter((v) => wanted.includes(v.id));

interface Prepared {
  readonly v: Variant;
  readonly createMs: number;
  run(): Promise<void>;
  release(): Promise<void>;
}

interface DeviceLike {
  createBuffer(d: { size: number; usage: number; mappedAtCreation: boolean }): {
    getMappedRange(): ArrayBuffer;
    unmap(): void;
    destroy(): void;
  };
  queue: { onSubmittedWorkDone(): Promise<void> };
}

/** A session on onnxruntime-web itself, for what the adapter does not expose. */
async function direct(rt: Runtime, v: Variant, bytes: Uint8Array, x: Tensor): Promise<Prepared> {
  const { ort } = rt;
  const io = v.direct === 'gpu-io';
  const t = performance.now();
  const session = await rt.guardCreate(() =>
    ort.InferenceSession.create(bytes, {
      executionProviders: [io ? { name: 'webgpu', preferredLayout: 'NHWC' } : 'webgpu'],
      ...(io
        ? {
            graphOptimizationLevel: 'all',
            freeDimensionOverrides: { batch, height: size, width: size },
            preferredOutputLocation: 'gpu-buffer',
          }
        : {}),
    }),
  );
  const createMs = performance.now() - t;
  let feed: unknown = new ort.Tensor('float32', x.data, [...x.shape]);
  let buffer: { destroy(): void } | undefined;
  const device = rt.device() as unknown as DeviceLike;
  if (io) {
    // GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST, filled once: the caller's data is already on the GPU.
    const b = device.createBuffer({
      size: x.data.byteLength,
      usage: 0x80 | 0x4 | 0x8,
      mappedAtCreation: true,
    });
    new Float32Array(b.getMappedRange()).set(x.data);
    b.unmap();
    buffer = b;
    feed = ort.Tensor.fromGpuBuffer(b as never, { dataType: 'float32', dims: [...x.shape] });
  }
  return {
    v,
    createMs,
    async run() {
      const out = await rt.guard(() => session.run({ [INPUT_NAME]: feed as never }));
      const y = out[session.outputNames[0]!]!;
      if (io) await rt.guard(() => device.queue.onSubmittedWorkDone());
      else await y.getData();
      y.dispose();
    },
    async release() {
      await rt.guard(() => session.release());
      buffer?.destroy();
    },
  };
}

async function main(): Promise<object> {
  const probe = await onnxWebAdapter.probe('webgpu');
  if (!probe.available) throw new Error(`onnx-web:webgpu is unavailable: ${probe.reason}`);
  const rt = await loadRuntime('webgpu');
  const rows: Record<string, unknown>[] = [];
  for (const name of args.models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    const bytes = exportOnnx(graph, weights);
    const shape = [batch, graph.inChannels, size, size];
    const x = seededInput(shape, 1);
    const prepared: Prepared[] = [];
    for (const v of variants) {
      if (v.direct) {
        prepared.push(await direct(rt, v, bytes, x));
        continue;
      }
      const t = performance.now();
      const options = { backend: 'webgpu', ...v.adapter, ...(v.fixed ? { inputShape: shape } : {}) };
      const model = await onnxWebAdapter.compile(graph, weights, options);
      prepared.push({
        v,
        createMs: performance.now() - t,
        run: async () => void (await model.run(x)),
        release: () => model.dispose(),
      });
    }
    const timings = await timeRuns(
      prepared.map((p) => p.run),
      args.timing,
    );
    for (const [k, p] of prepared.entries()) {
      await p.release();
      const t = timings[k]!;
      const row = {
        model: name,
        batch,
        size,
        variant: p.v.id,
        options: p.v.adapter ?? p.v.direct,
        fixedShape: !!p.v.fixed,
        sessionCreateMs: Math.round(p.createMs),
        firstRunMs: Math.round(t.firstRunMs),
        medianMs: Number(t.medianMs.toFixed(2)),
        p90Ms: Number(t.p90Ms.toFixed(2)),
        minMs: Number(t.minMs.toFixed(2)),
        samplesMs: t.samplesMs.map((ms) => Number(ms.toFixed(2))),
      };
      rows.push(row);
      process.stderr.write(
        `${name} ${p.v.id}: created in ${row.sessionCreateMs} ms, first run ${row.firstRunMs} ms, median ${row.medianMs} ms (min ${row.minMs})\n`,
      );
    }
  }
  return {
    date: new Date().toISOString(),
    machine: { ...(await benchMachine()), adapter: rt.gpu },
    ...args.timing,
    rows,
  };
}

runBenchScript(main, args.string('json'));

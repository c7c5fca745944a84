import type { Adapter, Graph, Weights } from '@resblocks/spec';
import { ResblocksError, seededInput } from '@resblocks/spec';
import { nextTurn } from './next-turn.js';

export interface TimingOptions {
  /** Runs before sampling, the first one included (its time is kept as firstRunMs); at least 1. */
  readonly warmup?: number;
  /** Timed runs of each (rounds, when several are interleaved). */
  readonly iterations?: number;
  /**
   * Stop sampling after this many milliseconds once each run has at least 3 samples. A run still in
   * flight at that moment is aborted through its signal and left out (a worker-hosted model stops
   * at once; an in-process engine finishes its pass before the model can be disposed).
   */
  readonly maxMs?: number;
}

export const DEFAULT_TIMING: Required<TimingOptions> = { warmup: 2, iterations: 10, maxMs: 120_000 };

export interface BenchOptions extends TimingOptions {
  readonly batch: number;
  readonly size: number;
  /**
   * 'cpu' (default): Float32Array in and out, upload and readback timed. 'gpu': the input uploaded
   * once to a buffer of the model's device and the output kept there (model.gpu.run), each run
   * timed until the device has finished it; for backends with GPU tensors.
   */
  readonly io?: 'cpu' | 'gpu';
}

/** One run's times: its first run apart, and what the timed runs give. */
export interface RunTiming {
  readonly firstRunMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly samplesMs: number[];
}

export interface BenchResult extends RunTiming {
  readonly backend: string;
  readonly model: string;
  readonly batch: number;
  readonly size: number;
  readonly compileMs: number;
  readonly imagesPerSec: number;
  /** Where inputs and outputs were (BenchOptions.io). */
  readonly io: 'cpu' | 'gpu';
  readonly info: Readonly<Record<string, unknown>>;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A run to time; it should stop when the signal fires (CompiledModel.run takes it as an option). */
export type TimedRun = (signal?: AbortSignal) => Promise<unknown>;

async function timeOne(run: TimedRun, signal?: AbortSignal): Promise<number> {
  // Untimed: lets signals, timers and progress output through between runs.
  await nextTurn();
  const t = performance.now();
  await run(signal);
  return performance.now() - t;
}

/**
 * The timing loop of every bench: one first run of each, the rest of the warm-up, then up to
 * `iterations` timed runs of each. Several runs are interleaved (A, B, C, A, B, C, ...) so a load
 * change on a shared machine hits each of them alike.
 */
export async function timeRuns(runs: readonly TimedRun[], options: TimingOptions = {}): Promise<RunTiming[]> {
  const warmup = options.warmup ?? DEFAULT_TIMING.warmup;
  const iterations = options.iterations ?? DEFAULT_TIMING.iterations;
  const maxMs = options.maxMs ?? DEFAULT_TIMING.maxMs;
  const first: number[] = [];
  for (const run of runs) first.push(await timeOne(run));
  // The first runs count as warm-up.
  for (let i = 1; i < warmup; i++) for (const run of runs) await timeOne(run);
  const samples = runs.map((): number[] => []);
  const start = performance.now();
  let deadline: AbortSignal | undefined;
  timed: for (let i = 0; i < iterations; i++) {
    for (const [k, run] of runs.entries()) {
      try {
        samples[k]!.push(await timeOne(run, deadline));
      } catch (e) {
        if (deadline?.aborted) break timed;
        throw e;
      }
    }
    const left = start + maxMs - performance.now();
    if (i >= 2 && left <= 0) break;
    // From the third round on, a run that would outlast the budget is cut short.
    if (i >= 2 && Number.isFinite(left)) deadline ??= AbortSignal.timeout(Math.ceil(left));
  }
  // A round cut short leaves the runs before it with one sample more: keep rounds whole.
  const rounds = Math.min(...samples.map((s) => s.length));
  for (const s of samples) s.length = rounds;
  return samples.map((s, k) => {
    const sorted = [...s].sort((a, b) => a - b);
    return {
      firstRunMs: first[k]!,
      medianMs: quantile(sorted, 0.5),
      p90Ms: quantile(sorted, 0.9),
      minMs: sorted[0] ?? Number.NaN,
      samplesMs: s,
    };
  });
}

/** Latency of one compiled model: compile once, then timeRuns on it end to end (upload + readback included). */
export async function benchModel(
  adapter: Adapter,
  backend: string,
  graph: Graph,
  weights: Weights,
  options: BenchOptions,
): Promise<BenchResult> {
  const { batch, size } = options;
  const io = options.io ?? 'cpu';
  const input = seededInput([batch, graph.inChannels, size, size], 1);
  const t = performance.now();
  const model = await adapter.compile(graph, weights, { backend });
  const compileMs = performance.now() - t;
  let release = async () => {};
  try {
    let run: TimedRun = (signal) => model.run(input, signal ? { signal } : {});
    if (io === 'gpu') {
      const gpu = model.gpu;
      if (!gpu) {
        const why = adapter.capabilities(backend).gpuTensors;
        throw new ResblocksError(
          'BACKEND_UNAVAILABLE',
          `${model.backend} has no GPU tensors${why === true ? '' : ` (${why})`}: bench it with io 'cpu'`,
          { backend: model.backend },
        );
      }
      const device = gpu.device as BenchDevice;
      const buffer = device.createBuffer({ size: input.data.byteLength, usage: STORAGE | COPY_DST });
      device.queue.writeBuffer(buffer, 0, input.data);
      release = async () => buffer.destroy();
      run = async (signal) => {
        const y = await gpu.run(
          { shape: input.shape, buffer },
          { output: 'gpu', ...(signal ? { signal } : {}) },
        );
        // run() resolves once the work is submitted; the time counts until the device is done.
        await device.queue.onSubmittedWorkDone();
        y.buffer.destroy();
      };
    }
    const [timing] = await timeRuns([run], options);
    return {
      backend: model.backend,
      model: graph.name,
      batch,
      size,
      compileMs,
      ...timing!,
      imagesPerSec: (batch * 1000) / timing!.medianMs,
      io,
      info: model.info(),
    };
  } finally {
    await release();
    await model.dispose();
  }
}

/** What a GPU-tensor bench uses of a WebGPU device (structural: no WebGPU types here). */
interface BenchDevice {
  createBuffer(d: { size: number; usage: number }): {
    destroy(): void;
    readonly size: number;
    readonly usage: number;
  };
  readonly queue: {
    writeBuffer(b: unknown, offset: number, data: Float32Array): void;
    onSubmittedWorkDone(): Promise<void>;
  };
}
const COPY_DST = 0x8;
const STORAGE = 0x80;

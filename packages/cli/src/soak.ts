import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Adapter, Graph, Tensor, Weights } from '@resblocks/spec';

/**
 * Long-use checks: one model run many times, and many models compiled, run once and disposed.
 * After each step (or every few steps) the garbage collector is run and the process RSS, the JS
 * heap and the adapter's own counters (adapter.resources) are sampled. After a warm-up, each
 * series is fitted with a least-squares line; the check fails when one grows beyond its tolerance.
 */

export interface SoakTolerance {
  /** Largest acceptable growth per step (run or cycle), from the least-squares slope. */
  readonly perStepBytes: number;
  /** ... and over all measured steps (slope x steps): small drifts over short soaks are noise. */
  readonly totalBytes: number;
}

interface PerPhase {
  readonly runs: SoakTolerance;
  readonly cycles: SoakTolerance;
}

export interface SoakTolerances {
  readonly rss: PerPhase;
  /** The JS heap in use, and the ArrayBuffers JS holds (Buffers, typed arrays) outside it. */
  readonly heap: PerPhase;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The stated tolerances. RSS moves in allocator- and GC-sized steps of a few MiB, so it is judged
 * on its trend, not single samples; the heap is sampled right after a full collection and is far
 * steadier. Engine counters (tensors, buffers, sessions, kernels, models) are exact: any net growth
 * after the warm-up fails.
 */
export const SOAK_TOLERANCES: SoakTolerances = {
  rss: {
    runs: { perStepBytes: 16 * KiB, totalBytes: 8 * MiB },
    cycles: { perStepBytes: 256 * KiB, totalBytes: 16 * MiB },
  },
  heap: {
    runs: { perStepBytes: 2 * KiB, totalBytes: 1 * MiB },
    cycles: { perStepBytes: 32 * KiB, totalBytes: 2 * MiB },
  },
};

/** Fraction of the steps treated as warm-up (caches filling, JIT tiers, pools growing). */
export const WARMUP_FRACTION = 0.2;

export interface Sample {
  /** Steps completed when sampled. */
  readonly step: number;
  readonly rss: number;
  readonly heap: number;
  readonly arrayBuffers: number;
  readonly counters: Readonly<Record<string, number>>;
}

export interface SeriesReport {
  readonly name: string;
  readonly unit: 'bytes' | 'count';
  /** Value at the end of the warm-up and at the end. */
  readonly start: number;
  readonly end: number;
  /** Least-squares growth per step after the warm-up. */
  readonly slope: number;
  readonly ok: boolean;
  /** Why it failed. */
  readonly problem?: string;
}

export interface PhaseReport {
  readonly phase: 'runs' | 'cycles';
  readonly steps: number;
  readonly warmupSteps: number;
  readonly seconds: number;
  readonly series: SeriesReport[];
  readonly samples: Sample[];
  /** Largest difference between any run's output and the first run's (runs phase). */
  readonly maxDrift?: number;
  readonly ok: boolean;
}

export interface SoakOptions {
  readonly input: Tensor;
  readonly runs: number;
  readonly cycles: number;
  /** At most this many samples per phase (each costs a full garbage collection). */
  readonly maxSamples?: number;
  /** Fraction of each phase's steps left out of the fit (default WARMUP_FRACTION). */
  readonly warmupFraction?: number;
  readonly tolerances?: SoakTolerances;
  readonly onStep?: (phase: 'runs' | 'cycles', step: number, of: number) => void;
}

let gc: (() => void) | undefined;

/** A full garbage collection, so heap samples show what is still reachable. */
export function collectGarbage(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gc = exposed;
    else {
      // What test runners do for leak checks: expose gc for a fresh context.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}

/** Least-squares slope of y against x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function judgeBytes(
  name: string,
  points: readonly Sample[],
  value: (s: Sample) => number,
  tolerance: SoakTolerance,
  unit: string,
): SeriesReport {
  const xs = points.map((p) => p.step);
  const ys = points.map(value);
  const k = slope(xs, ys);
  const span = xs.at(-1)! - xs[0]!;
  const grew = k > tolerance.perStepBytes && k * span > tolerance.totalBytes;
  return {
    name,
    unit: 'bytes',
    start: ys[0]!,
    end: ys.at(-1)!,
    slope: k,
    ok: !grew,
    ...(grew
      ? {
          problem: `${name} grows ${(k / KiB).toFixed(1)} KiB per ${unit} (${((k * span) / MiB).toFixed(1)} MiB over ${span} ${unit}s); tolerance ${(tolerance.perStepBytes / KiB).toFixed(0)} KiB per ${unit} and ${(tolerance.totalBytes / MiB).toFixed(0)} MiB in total`,
        }
      : {}),
  };
}

function judgeCounter(name: string, points: readonly Sample[], unit: string): SeriesReport {
  const ys = points.map((p) => p.counters[name] ?? 0);
  const start = ys[0]!;
  const end = ys.at(-1)!;
  const k = slope(
    points.map((p) => p.step),
    ys,
  );
  const grew = end > start;
  return {
    name,
    unit: 'count',
    start,
    end,
    slope: k,
    ok: !grew,
    ...(grew
      ? { problem: `${name} grew from ${start} to ${end} after the warm-up (${k.toFixed(3)} per ${unit})` }
      : {}),
  };
}

/** Judges the samples taken after the warm-up. */
export function judge(
  phase: 'runs' | 'cycles',
  samples: readonly Sample[],
  warmupSteps: number,
  tolerances: SoakTolerances = SOAK_TOLERANCES,
): SeriesReport[] {
  const measured = samples.filter((s) => s.step >= warmupSteps);
  if (measured.length < 2) return [];
  const unit = phase === 'runs' ? 'run' : 'cycle';
  const counters = [...new Set(measured.flatMap((s) => Object.keys(s.counters)))].sort();
  return [
    judgeBytes('rss', measured, (s) => s.rss, tolerances.rss[phase], unit),
    judgeBytes('heap', measured, (s) => s.heap, tolerances.heap[phase], unit),
    judgeBytes('arrayBuffers', measured, (s) => s.arrayBuffers, tolerances.heap[phase], unit),
    ...counters.map((c) => judgeCounter(c, measured, unit)),
  ];
}

async function sample(adapter: Adapter, backend: string, step: number): Promise<Sample> {
  collectGarbage();
  const m = process.memoryUsage();
  return {
    step,
    rss: m.rss,
    heap: m.heapUsed,
    arrayBuffers: m.arrayBuffers,
    counters: { ...(await adapter.resources(backend)) },
  };
}

/** Steps at which to sample: every step, or evenly spaced when there are more than maxSamples. */
function sampledSteps(steps: number, maxSamples: number): Set<number> {
  const every = Math.max(1, Math.ceil(steps / maxSamples));
  const out = new Set<number>();
  for (let s = every; s <= steps; s += every) out.add(s);
  out.add(steps);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

async function phase(
  name: 'runs' | 'cycles',
  steps: number,
  adapter: Adapter,
  backend: string,
  options: SoakOptions,
  step: (i: number) => Promise<void>,
): Promise<Omit<PhaseReport, 'maxDrift'>> {
  const started = performance.now();
  const at = sampledSteps(steps, options.maxSamples ?? 200);
  const samples: Sample[] = [];
  for (let i = 1; i <= steps; i++) {
    await step(i);
    if (at.has(i)) samples.push(await sample(adapter, backend, i));
    options.onStep?.(name, i, steps);
    // A backend that computes synchronously resolves its promises as microtasks: let the event
    // loop turn, so signals (Ctrl-C), timers and progress output are handled between steps.
    await nextTurn();
  }
  const warmupSteps = Math.ceil(steps * (options.warmupFraction ?? WARMUP_FRACTION));
  const series = judge(name, samples, warmupSteps, options.tolerances);
  return {
    phase: name,
    steps,
    warmupSteps,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    series,
    samples,
    ok: series.every((s) => s.ok),
  };
}

/** Runs one compiled model `runs` times, then compiles, runs and disposes `cycles` models. */
export async function soak(
  adapter: Adapter,
  backend: string,
  graph: Graph,
  weights: Weights,
  options: SoakOptions,
): Promise<PhaseReport[]> {
  const reports: PhaseReport[] = [];
  if (options.runs > 0) {
    const model = await adapter.compile(graph, weights, { backend });
    try {
      let first: Float32Array | undefined;
      let drift = 0;
      const runs = await phase('runs', options.runs, adapter, backend, options, async () => {
        const y = await model.run(options.input);
        first ??= y.data.slice();
        drift = Math.max(drift, maxAbsDiff(first, y.data));
      });
      reports.push({ ...runs, maxDrift: drift });
    } finally {
      await model.dispose();
    }
  }
  if (options.cycles > 0) {
    reports.push(
      await phase('cycles', options.cycles, adapter, backend, options, async () => {
        const model = await adapter.compile(graph, weights, { backend });
        try {
          await model.run(options.input);
        } finally {
          await model.dispose();
        }
      }),
    );
  }
  return reports;
}

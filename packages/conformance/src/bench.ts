import type { Adapter, Graph, Weights } from '@resblocks/spec';
import { seededInput } from '@resblocks/spec';
import { nextTurn } from './next-turn.js';

export interface BenchOptions {
  readonly batch: number;
  readonly size: number;
  readonly warmup?: number;
  readonly iterations?: number;
  /** Stop sampling after this many milliseconds once at least 3 samples exist. */
  readonly maxMs?: number;
}

export interface BenchResult {
  readonly backend: string;
  readonly model: string;
  readonly batch: number;
  readonly size: number;
  readonly compileMs: number;
  readonly firstRunMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly imagesPerSec: number;
  readonly samplesMs: number[];
  readonly info: Readonly<Record<string, unknown>>;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Latency of one compiled model: compile once, warm up, then time `iterations` runs end to end (upload + readback included). */
export async function benchModel(
  adapter: Adapter,
  backend: string,
  graph: Graph,
  weights: Weights,
  options: BenchOptions,
): Promise<BenchResult> {
  const { batch, size } = options;
  const warmup = options.warmup ?? 2;
  const iterations = options.iterations ?? 10;
  const maxMs = options.maxMs ?? 120_000;
  const input = seededInput([batch, graph.inChannels, size, size], 1);
  let t = performance.now();
  const model = await adapter.compile(graph, weights, { backend });
  const compileMs = performance.now() - t;
  try {
    t = performance.now();
    await model.run(input);
    const firstRunMs = performance.now() - t;
    for (let i = 1; i < warmup; i++) {
      await nextTurn();
      await model.run(input);
    }
    const samples: number[] = [];
    const start = performance.now();
    for (let i = 0; i < iterations; i++) {
      await nextTurn(); // untimed
      t = performance.now();
      await model.run(input);
      samples.push(performance.now() - t);
      if (samples.length >= 3 && performance.now() - start > maxMs) break;
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const medianMs = quantile(sorted, 0.5);
    return {
      backend: model.backend,
      model: graph.name,
      batch,
      size,
      compileMs,
      firstRunMs,
      medianMs,
      p90Ms: quantile(sorted, 0.9),
      imagesPerSec: (batch * 1000) / medianMs,
      samplesMs: samples,
      info: model.info(),
    };
  } finally {
    await model.dispose();
  }
}

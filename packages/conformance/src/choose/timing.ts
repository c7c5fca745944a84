import {
  type Graph,
  minInputSize,
  outputShape,
  type ProbedBackend,
  seededInput,
  shapesEqual,
  type Weights,
} from '@resblocks/spec';
import { quantile } from '../bench.js';

export interface TimingLimits {
  readonly size: number;
  readonly batch: number;
  readonly iterations: number;
  readonly maxMs: number;
}

export interface Timing {
  readonly compileMs: number;
  readonly medianMs: number | null;
  readonly runs: number;
  readonly estimateMs: number | null;
  /** Why timing stopped before the full-size runs, or after one. */
  readonly stopped?: string;
}

/** A warm run that is this many times slower than the fastest backend ends the timing early. */
const CUT_FACTOR = 3;
/**
 * An extrapolated full-size time this many times the fastest prunes a backend before full-size
 * runs; the margin covers the noise the extrapolation amplifies.
 */
const ESTIMATE_FACTOR = 3;

const round = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

/**
 * Times one backend on the requested model: compile, then (when a faster backend is already
 * known) two small pilot sizes to skip backends that cannot win, then one warm-up and up to
 * `iterations` timed full-size runs. `fastestMs` is the best median so far.
 */
export async function timeBackend(
  p: ProbedBackend,
  graph: Graph,
  weights: Weights,
  limits: TimingLimits,
  fastestMs: number | undefined,
): Promise<Timing> {
  const { size, batch } = limits;
  const shape = (s: number) => [batch, graph.inChannels, s, s];
  let t = performance.now();
  const model = await p.adapter.compile(graph, weights, { backend: p.backend });
  const compileMs = performance.now() - t;
  // One warm-up, then the faster of two runs: the minimum shrugs off a stall on a busy machine.
  const warm = async (s: number) => {
    const x = seededInput(shape(s), 2);
    await model.run(x);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      await model.run(x);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  try {
    const small = Math.max(minInputSize(graph), Math.round(size / 7));
    if (fastestMs !== undefined && 4 * small <= size) {
      // A smaller input is never slower, so the first pilot is a lower bound.
      const t1 = await warm(small);
      if (t1 >= fastestMs) {
        return {
          compileMs,
          medianMs: null,
          runs: 0,
          estimateMs: t1,
          stopped: `a ${small}x${small} run alone takes ${round(t1)} ms, more than the fastest full-size run (${round(fastestMs)} ms)`,
        };
      }
      // Time grows linearly with pixels on CPUs; on GPUs fixed costs dominate small inputs and the
      // slope (hence the estimate) stays low, so a GPU is not pruned by this.
      const t2 = await warm(2 * small);
      const px = (s: number) => s * s;
      const slope = Math.max(0, (t2 - t1) / (px(2 * small) - px(small)));
      const estimate = t2 + slope * (px(size) - px(2 * small));
      if (estimate > ESTIMATE_FACTOR * fastestMs) {
        return {
          compileMs,
          medianMs: null,
          runs: 0,
          estimateMs: estimate,
          stopped: `estimated ${round(estimate)} ms from ${small}x${small} and ${2 * small}x${2 * small} runs, over ${ESTIMATE_FACTOR}x the fastest (${round(fastestMs)} ms)`,
        };
      }
    }
    const input = seededInput(shape(size), 1);
    const first = await model.run(input);
    // No reference at full size (too slow to compute here), but garbage is still caught.
    const expected = outputShape(graph, input.shape);
    if (!shapesEqual(first.shape, expected))
      throw new Error(`full-size output has shape [${first.shape}], expected [${expected}]`);
    if (!first.data.every(Number.isFinite)) throw new Error('full-size output has NaN or infinite values');
    const samples: number[] = [];
    const start = performance.now();
    while (samples.length < limits.iterations) {
      t = performance.now();
      await model.run(input);
      samples.push(performance.now() - t);
      if (performance.now() - start > limits.maxMs) break;
      if (fastestMs !== undefined && samples[0]! > CUT_FACTOR * fastestMs) {
        return {
          compileMs,
          medianMs: samples[0]!,
          runs: 1,
          estimateMs: null,
          stopped: `one warm run took ${round(samples[0]!)} ms, over ${CUT_FACTOR}x the fastest (${round(fastestMs)} ms)`,
        };
      }
    }
    return {
      compileMs,
      medianMs: quantile(
        [...samples].sort((a, b) => a - b),
        0.5,
      ),
      runs: samples.length,
      estimateMs: null,
    };
  } finally {
    await model.dispose();
  }
}

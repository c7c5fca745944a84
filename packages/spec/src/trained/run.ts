import type { CompiledModel } from '../adapter/contract.js';
import type { Dtype } from '../reference/tolerance.js';
import type { PreprocessSpec } from './manifest.js';
import { fashionInput } from './preprocess.js';
import { type AccuracySummary, AccuracyTally } from './scoring.js';
import type { FashionImages } from './trained.js';

export interface AccuracyRunOptions {
  /** The first `count` images (default all). */
  readonly count?: number;
  /** Images per run() call (default 25). */
  readonly batch?: number;
  /** Called after each batch with the images done so far. */
  readonly onBatch?: (done: number, total: number) => void;
}

export interface AccuracyRun {
  readonly summary: AccuracySummary;
  /** Time spent in run(), input conversion and output readback included. */
  readonly runMs: number;
  readonly imagesPerSecond: number;
}

/**
 * Runs test images through a compiled trained network and scores its logits against PyTorch's
 * (`logits`: row-major [images, classes], float64). Used by the conformance group, the command line
 * and the demo page alike.
 */
export async function runAccuracy(
  model: CompiledModel,
  dtype: Dtype,
  preprocess: PreprocessSpec,
  classes: number,
  images: FashionImages,
  logits: Float64Array,
  options: AccuracyRunOptions = {},
): Promise<AccuracyRun> {
  const total = Math.min(options.count ?? images.count, images.count, logits.length / classes);
  const batch = options.batch ?? 25;
  const tally = new AccuracyTally(model.graph, dtype, classes);
  let runMs = 0;
  for (let first = 0; first < total; first += batch) {
    const count = Math.min(batch, total - first);
    const t0 = performance.now();
    const out = await model.run(fashionInput(images.images, first, count, preprocess));
    runMs += performance.now() - t0;
    tally.add(
      out.data,
      logits.subarray(first * classes, (first + count) * classes),
      images.labels.subarray(first, first + count),
      first,
    );
    options.onBatch?.(first + count, total);
  }
  return { summary: tally.summary(), runMs, imagesPerSecond: runMs > 0 ? (1000 * total) / runMs : 0 };
}

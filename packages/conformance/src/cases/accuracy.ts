import type { Adapter, Availability, BackendApi } from '@resblocks/spec';
import {
  accuracyProblem,
  loadTrained,
  runAccuracy,
  type TrainedModel,
  type TrainedSet,
} from '@resblocks/spec/trained';
import { CaseFailure, withModel } from '../check.js';
import type { CaseGroup, ConformanceCase, SuiteOptions } from '../types.js';

/**
 * The accuracy group: each network trained on Fashion-MNIST runs the committed test images on the
 * backend; every image's logits must be within the tolerance budget of PyTorch's float64 logits and
 * every top-1 disagreement must be one the budget explains (see AccuracyTally).
 */

/** Images per batch: big enough to exercise batching, small enough for software GPUs' memory. */
export const ACCURACY_BATCH = 25;

/**
 * Images per model when the suite does not say: the whole committed sample where the backend runs
 * compiled code (native, wasm, a hardware GPU); one full batch where it is slow (plain JS, software
 * GPUs); two images where results are float64. A CI run stays within seconds per backend and model.
 */
export function defaultAccuracyImages(
  api: BackendApi,
  device: Availability['device'],
  dtype: string,
  sample: number,
): number {
  const limit = dtype === 'float64' ? 2 : device === 'software' || api === 'cpu' ? ACCURACY_BATCH : sample;
  return Math.min(sample, limit);
}

let trained: Promise<TrainedSet> | undefined;
/** Read and hash-checked once per process. */
function packageTrained(): Promise<TrainedSet> {
  trained ??= loadTrained();
  return trained;
}

function accuracyCase(set: TrainedSet, model: TrainedModel, images: number): ConformanceCase {
  return {
    id: `accuracy/${model.name}/first-${images}`,
    group: 'accuracy',
    capability: 'networks',
    async run(ctx) {
      const { summary, imagesPerSecond } = await withModel(ctx, model.graph, model.weights, (m) =>
        runAccuracy(m, ctx.dtype, set.preprocess, set.classes.length, set.sample, model.logits, {
          count: images,
          batch: ACCURACY_BATCH,
        }),
      );
      const problem = accuracyProblem(summary);
      if (problem) throw new CaseFailure(problem, summary.worstFraction);
      return {
        fraction: summary.worstFraction,
        measured: {
          images: summary.images,
          correct: summary.correct,
          referenceCorrect: summary.referenceCorrect,
          agree: summary.agree,
          explainedFlips: summary.disagreements.length,
          imagesPerSecond,
        },
      };
    },
  };
}

/** The accuracy cases for one backend (none when options.accuracyImages is 0). */
export async function accuracyCases(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions,
): Promise<ConformanceCase[]> {
  if (options.accuracyImages === 0) return [];
  // A run narrowed to other cases (the measured chooser's verification) needs no trained networks.
  if (options.only && !options.only.some((p) => p.startsWith('accuracy') || p === '*')) return [];
  const set = await (options.trained ?? packageTrained)();
  const descriptor = adapter.backends.find((b) => b.name === backend);
  const availability = options.availability ?? (await adapter.probe(backend));
  const images = Math.min(
    set.sample.count,
    options.accuracyImages ??
      defaultAccuracyImages(
        descriptor?.api ?? 'cpu',
        availability.device,
        adapter.dtype(backend),
        set.sample.count,
      ),
  );
  return set.models
    .filter((m) => !options.accuracyModels || options.accuracyModels.includes(m.name))
    .map((m) => accuracyCase(set, m, images));
}

export const accuracyGroup: CaseGroup = {
  name: 'accuracy',
  cases: ({ adapter, backend, options }) => accuracyCases(adapter, backend, options),
};

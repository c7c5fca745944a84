import { isResblocksError } from '@resblocks/spec';
import {
  type AccuracySummary,
  accuracyProblem,
  type FashionImages,
  loadTrained,
  runAccuracy,
  type TrainedSet,
  top2,
} from '@resblocks/spec/trained';
import { selectBackends } from '../adapters.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { firstLine, formatFraction, formatRate } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { describeMachine } from '../machine.js';
import { outOfRange } from '../options.js';
import { createProgress } from '../progress.js';
import { SHARED } from '../shared-options.js';
import { renderTable } from '../table.js';
import {
  DEBIAN_FASHION_MNIST,
  defaultFashionMnistDir,
  FASHION_MNIST_ENV,
  readFashionTestSet,
} from '../test-set.js';

/** Fashion-MNIST's test set. */
const TEST_IMAGES = 10_000;

const OPTIONS = {
  model: {
    ...SHARED.model,
    default: 'resnet20_cifar',
    help: 'trained network: resnet20_cifar or resnext29_8x4d_cifar',
  },
  backends: SHARED.measuredBackends,
  limit: {
    type: 'int',
    min: 1,
    max: TEST_IMAGES,
    help: `the first N test images; more than the sample shipped with the package reads the full test set of ${TEST_IMAGES} (see --data)`,
    defaultText: '500, the shipped sample',
  },
  data: {
    type: 'string',
    placeholder: 'DIR',
    defaultText: `$${FASHION_MNIST_ENV}, else ${DEBIAN_FASHION_MNIST}`,
    help: "folder with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or not), where Debian's dataset-fashion-mnist installs them; when they are missing, the error names the files and the package",
  },
  batch: { type: 'int', min: 1, max: 1000, default: 25, help: 'images per run' },
  json: {
    ...SHARED.json,
    help: "write every backend's counts and disagreements, with the machine description, as JSON",
  },
} as const;

interface BackendResult {
  backend: string;
  device: string | null;
  summary?: AccuracySummary;
  imagesPerSecond?: number;
  problem?: string;
  error?: string;
}

function pct(n: number, of: number): string {
  return of ? `${((100 * n) / of).toFixed(2)}%` : '-';
}

async function loadModel(name: string): Promise<TrainedSet> {
  try {
    return await loadTrained({ models: [name] });
  } catch (e) {
    // An unknown name is the user's to fix: the message lists the trained models.
    if (isResblocksError(e, 'FIXTURE_INTEGRITY') && e.details.model === name) {
      throw usageError(e.message, 'Pick one of the trained models listed');
    }
    throw e;
  }
}

export const accuracyCommand = defineCommand({
  name: 'accuracy',
  summary: 'classify Fashion-MNIST test images per backend and compare with PyTorch',
  usage: `resblocks accuracy [--model NAME] [--backends x,y] [--limit N] [--data DIR]
                          [--batch N] [--json FILE]`,
  about: `Runs Fashion-MNIST test images through a network of the spec trained on them (weights shipped
with @resblocks/spec) on each backend, and compares every image's logits with PyTorch's float64
logits. Per backend it prints the top-1 accuracy, the agreement with PyTorch's top-1, the images
where they disagree with PyTorch's top-1 minus top-2 margin, the worst logit error as % of the
tolerance budget, and images/s.

A disagreement is acceptable only where PyTorch's own top-2 margin is within the backend's
tolerance: at most twice the per-logit budget, since each of the two logits may move by one
budget. Any other disagreement, or any logit outside its budget, fails the backend (exit 1).`,
  examples: ['resblocks accuracy --backends tfjs:wasm,onnx-web:wasm --limit 10000'],
  options: OPTIONS,
  async run({ values }, io) {
    const set = await loadModel(values.model);
    const model = set.models[0]!;
    const total = set.manifest.dataset.testImages;
    const limit = values.limit ?? set.sample.count;
    if (limit > total) outOfRange('accuracy', 'limit', { min: 1, max: total }, String(limit));
    const { batch } = values;
    const fromSample = limit <= set.sample.count;
    const images: FashionImages = fromSample
      ? set.sample
      : await readFashionTestSet(values.data ?? defaultFashionMnistDir(), set);

    const requested = values.backends;
    const { runnable, unavailable, software } = await selectBackends(requested, { skipSlow: true });

    const k = set.classes.length;
    const batches = Math.ceil(limit / batch);
    const progress = createProgress(io, 'accuracy');
    progress.addTotal(runnable.length * batches);
    const results: BackendResult[] = [];
    try {
      for (const row of runnable) {
        const { adapter, backend } = row.probed;
        const result: BackendResult = { backend: row.id, device: row.probed.availability.device ?? null };
        progress.label(`${row.id} compiling`);
        try {
          const compiled = await adapter.compile(model.graph, model.weights, { backend });
          try {
            const run = await runAccuracy(
              compiled,
              adapter.dtype(backend),
              set.preprocess,
              k,
              images,
              model.logits,
              {
                count: limit,
                batch,
                onBatch: (done) => progress.tick(`${row.id} ${done}/${limit}`),
              },
            );
            result.summary = run.summary;
            result.imagesPerSecond = run.imagesPerSecond;
            const problem = accuracyProblem(run.summary);
            if (problem) result.problem = problem;
          } finally {
            await compiled.dispose();
          }
        } catch (e) {
          result.error = firstLine((e as Error).message ?? String(e), 300);
        }
        results.push(result);
      }
    } finally {
      progress.stop();
    }

    const name = (c: number) => (c >= 0 ? (set.classes[c] ?? String(c)) : 'NaN');
    // PyTorch's own accuracy on the same images, from its logits.
    let torchCorrect = 0;
    for (let i = 0; i < limit; i++) {
      if (top2(model.logits.subarray(i * k, (i + 1) * k)).top === images.labels[i]) torchCorrect++;
    }
    const source = fromSample
      ? `the first ${limit} test images (shipped with @resblocks/spec)`
      : `the first ${limit} of the ${total} test images`;
    io.out(
      `${model.name} trained on Fashion-MNIST, ${source}; PyTorch ${set.manifest.logitsBy.torch} (float64): ${pct(torchCorrect, limit)} top-1`,
    );
    io.out(`batch ${batch}; ${describeMachine()}`);
    io.out(
      renderTable(
        ['backend', 'top-1', 'agrees with PyTorch', 'disagreements', 'worst logit error', 'images/s'],
        results.map((r) =>
          r.summary
            ? [
                r.device === 'software' ? `${r.backend} (software GPU)` : r.backend,
                pct(r.summary.correct, r.summary.images),
                `${pct(r.summary.agree, r.summary.images)} (${r.summary.agree}/${r.summary.images})`,
                r.summary.disagreements.length,
                `${formatFraction(r.summary.worstFraction)} of budget`,
                formatRate(r.imagesPerSecond ?? 0),
              ]
            : [r.backend, 'failed', r.error ?? '', '', '', ''],
        ),
        { align: ['left', 'right', 'right', 'right', 'right', 'right'], compact: true },
      ),
    );
    const flips = results.flatMap((r) => (r.summary?.disagreements ?? []).map((d) => ({ r, d })));
    if (flips.length) {
      io.out(
        "Disagreements (PyTorch's top-1 minus top-2 margin against the backend's per-logit budget; a flip is acceptable only where margin <= 2 x budget):",
      );
      for (const { r, d } of flips) {
        io.out(
          `  ${r.backend} image ${d.index} (${name(d.label)}): backend ${name(d.backend)}, PyTorch ${name(d.reference)}; margin ${d.margin.toExponential(2)} ${d.explained ? '<=' : '>'} 2 x ${d.budget.toExponential(2)}: ${d.explained ? 'explained by the tolerance' : 'NOT explained'}`,
        );
      }
    } else if (results.some((r) => r.summary)) {
      io.out("Every backend agrees with PyTorch's top-1 on every image.");
    }
    for (const r of results) if (r.problem) io.out(`failed: ${r.backend}: ${r.problem}`);
    for (const r of results) if (r.error) io.out(`failed: ${r.backend}: ${r.error}`);
    if (software.length) {
      io.out(
        `not run (software GPU, slow; name them with --backends to include): ${software.map((r) => r.id).join(', ')}`,
      );
    }
    for (const r of unavailable) io.out(`not available here: ${r.id}: ${firstLine(r.reason ?? '', 300)}`);
    if (!runnable.length) io.out('no backend could run; run `resblocks backends` to see why');

    if (values.json !== undefined) {
      await writeJsonReport(io, values.json, {
        model: model.name,
        images: limit,
        source: fromSample ? 'sample' : 'test-set',
        batch,
        pytorch: { torch: set.manifest.logitsBy.torch, correct: torchCorrect },
        results,
        notRun: software.map((r) => ({
          backend: r.id,
          reason: 'software GPU; name it with --backends to include',
        })),
        unavailable: unavailable.map((r) => ({ backend: r.id, reason: r.reason ?? null })),
      });
    }
    const failed = results.some((r) => r.error || r.problem);
    return failed || (requested && unavailable.length) || !runnable.length ? 1 : 0;
  },
});

import { ResblocksError } from '../errors.js';
import { fixtureDir, sha256Hex } from '../fixtures/fixtures.js';
import type { Graph } from '../ir/ir.js';
import { networkGraph } from '../ir/network-graph.js';
import {
  entryToFloat64,
  parseSafetensors,
  readWeights,
  type SafetensorsFile,
} from '../weights/safetensors.js';
import { validateWeights, type Weights } from '../weights/weights.js';
import type { PreprocessSpec, TrainedManifest, TrainedModelEntry } from './manifest.js';

/** Test images with their labels: uint8 [count, size, size] and uint8 [count]. */
export interface FashionImages {
  readonly count: number;
  readonly size: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

export interface TrainedModel {
  readonly name: string;
  readonly graph: Graph;
  readonly weights: Weights;
  /** PyTorch's float64 logits for the whole test set, row-major [testImages, classes]. */
  readonly logits: Float64Array;
  readonly entry: TrainedModelEntry;
}

export interface TrainedSet {
  readonly manifest: TrainedManifest;
  readonly classes: readonly string[];
  readonly preprocess: PreprocessSpec;
  /** The committed sample: the first test images. */
  readonly sample: FashionImages;
  readonly models: readonly TrainedModel[];
}

export interface TrainedOptions {
  /** Models to load (default: all in the manifest). */
  readonly models?: readonly string[];
  /** Check file hashes (default true). */
  readonly verify?: boolean;
}

function integrity(message: string, details: Record<string, unknown> = {}): ResblocksError {
  return new ResblocksError('FIXTURE_INTEGRITY', message, details);
}

/** The files a selection of models needs (besides the manifest). */
export function trainedFiles(manifest: TrainedManifest, models?: readonly string[]): string[] {
  const names = models ?? Object.keys(manifest.models);
  return [
    manifest.dataset.sample,
    ...names.flatMap((n) => {
      const e = manifest.models[n];
      if (!e) {
        throw integrity(`no trained model '${n}'; trained: ${Object.keys(manifest.models).join(', ')}`, {
          model: n,
        });
      }
      return [e.weights, e.logits];
    }),
  ];
}

function entry(file: SafetensorsFile, name: string, key: string, dtype: string, shape: readonly number[]) {
  const e = file.tensors.get(key);
  if (!e) throw integrity(`'${name}' lacks tensor '${key}'`, { file: name, key });
  if (e.dtype !== dtype || e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
    throw integrity(
      `'${name}': '${key}' is ${e.dtype} [${e.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`,
      { file: name, key },
    );
  }
  return e;
}

/** Builds the trained models and the sample from the manifest and its files' bytes. Works in browsers. */
export async function parseTrained(
  manifest: TrainedManifest,
  files: Readonly<Record<string, Uint8Array>>,
  options: TrainedOptions = {},
): Promise<TrainedSet> {
  if (manifest?.format !== 1 || typeof manifest.models !== 'object') {
    throw integrity('trained manifest has an unknown format', { format: manifest?.format });
  }
  const names = options.models ?? Object.keys(manifest.models);
  const parsed = new Map<string, SafetensorsFile>();
  for (const name of trainedFiles(manifest, names)) {
    const bytes = files[name];
    const expected = manifest.files[name]?.sha256;
    if (!expected) throw integrity(`trained file '${name}' is not listed in the manifest`, { file: name });
    if (!bytes) throw integrity(`trained file '${name}' is missing`, { file: name });
    if (options.verify !== false) {
      const actual = await sha256Hex(bytes);
      if (actual !== expected) {
        throw integrity(`trained file '${name}' is corrupt: sha256 ${actual}, manifest says ${expected}`, {
          file: name,
          expected,
          actual,
        });
      }
    }
    try {
      parsed.set(name, parseSafetensors(bytes));
    } catch (e) {
      throw integrity(`trained file '${name}' is not valid safetensors: ${(e as Error).message}`, {
        file: name,
      });
    }
  }
  const { dataset, preprocess } = manifest;
  const k = dataset.classes.length;
  const n = dataset.sampleCount;
  const sampleFile = parsed.get(dataset.sample)!;
  const sample: FashionImages = {
    count: n,
    size: preprocess.size,
    images: entry(sampleFile, dataset.sample, 'images', 'U8', [n, preprocess.size, preprocess.size]).bytes,
    labels: entry(sampleFile, dataset.sample, 'labels', 'U8', [n]).bytes,
  };
  if (sample.labels.some((l) => l >= k))
    throw integrity(`'${dataset.sample}' has labels outside 0..${k - 1}`);
  const models = names.map((name): TrainedModel => {
    const e = manifest.models[name]!;
    const graph = networkGraph(name);
    const logitsKey = 'logits';
    const logits = entryToFloat64(
      logitsKey,
      entry(parsed.get(e.logits)!, e.logits, logitsKey, 'F64', [dataset.testImages, k]),
    );
    const weights = validateWeights(graph, readWeights(files[e.weights]!));
    return { name, graph, weights, logits, entry: e };
  });
  return { manifest, classes: dataset.classes, preprocess, sample, models };
}

/** The trained models' folder shipped with the package. */
export function trainedDir(): string {
  return `${fixtureDir()}trained/`;
}

/** Node: reads the package's trained models (only the files the selected models need). */
export async function loadTrained(options: TrainedOptions = {}): Promise<TrainedSet> {
  const { readFile } = await import('node:fs/promises');
  const dir = trainedDir();
  let manifest: TrainedManifest;
  try {
    manifest = JSON.parse(await readFile(`${dir}manifest.json`, 'utf8')) as TrainedManifest;
  } catch (e) {
    throw integrity(`cannot read the trained manifest in ${dir}: ${(e as Error).message}`, { dir });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of trainedFiles(manifest, options.models)) {
    try {
      files[name] = new Uint8Array(await readFile(`${dir}${name}`));
    } catch (e) {
      throw integrity(`cannot read trained file '${name}': ${(e as Error).message}`, { file: name });
    }
  }
  return parseTrained(manifest, files, options);
}

import {
  classesOf,
  entriesToWeights,
  type Graph,
  getNetwork,
  initWeights,
  isResblocksError,
  minInputSize,
  NETWORK_NAMES,
  networkGraph,
  ResblocksError,
  readWeightsEntries,
  validateWeights,
  WEIGHTS_FORMAT_NAMES,
  type Weights,
  type WeightsFormat,
} from '@resblocks/spec';
import { usageError } from './cli-error.js';
import { MAX_FILE_BYTES, readInputFile } from './files.js';

/** Unknown model names are usage errors listing the known ones. */
export function checkModelName(name: string): void {
  if (!NETWORK_NAMES.includes(name)) {
    throw usageError(
      `unknown model '${name}'; known models: ${NETWORK_NAMES.join(', ')}`,
      'Pick one of the models listed',
    );
  }
}

/** The lowered graph of a named network, with `classes` outputs when given. */
export function modelGraph(name: string, classes?: number): Graph {
  checkModelName(name);
  return networkGraph(name, classes === undefined ? {} : { numClasses: classes });
}

/** `--size`: 224 for ImageNet networks and 32 for CIFAR ones unless given, and large enough for the model. */
export function inputSize(name: string, graph: Graph, size: number | undefined): number {
  const s = size ?? (graph.nodes.some((n) => n.op === 'maxpool') ? 224 : 32);
  if (s < minInputSize(graph))
    throw usageError(
      `--size ${s} is too small for ${name} (minimum ${minInputSize(graph)})`,
      'Pass a larger --size',
    );
  return s;
}

/** Re-raises a library error with the file it came from. */
function inFile(path: string, e: unknown): never {
  if (isResblocksError(e))
    throw new ResblocksError(e.code, `weights file '${path}': ${e.message}`, { ...e.details }, { cause: e });
  throw e;
}

export interface LoadedWeights {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly format: WeightsFormat;
  /** Where the class count came from, for messages. */
  readonly classes: { count: number; from: 'weights' | 'option' | 'model' };
}

/** Reads a weights file in any supported format (told apart by its bytes); errors name the file. */
export async function readWeightsFileAt(path: string): Promise<ReturnType<typeof readWeightsEntries>> {
  const bytes = await readInputFile(path, 'weights file', MAX_FILE_BYTES.weights);
  try {
    return readWeightsEntries(bytes);
  } catch (e) {
    inFile(path, e);
  }
}

/**
 * Builds the model for a file's tensors, with the class count of its `fc.weight` unless `classes`
 * is given, and validates every key and shape. Errors name the file.
 */
export function modelForWeights(
  name: string,
  path: string,
  read: ReturnType<typeof readWeightsEntries>,
  classes?: number,
): LoadedWeights {
  checkModelName(name);
  const fromWeights = classesOf(read.tensors);
  const count = classes ?? fromWeights ?? getNetwork(name).numClasses;
  const graph = modelGraph(name, count);
  try {
    const weights = validateWeights(graph, entriesToWeights(read.tensors));
    const from = classes !== undefined ? 'option' : fromWeights !== undefined ? 'weights' : 'model';
    return { graph, weights, format: read.format, classes: { count, from } };
  } catch (e) {
    inFile(path, e);
  }
}

/** Reads a weights file (safetensors or a PyTorch checkpoint) and validates it against the model. */
export async function loadModelWeights(name: string, path: string, classes?: number): Promise<LoadedWeights> {
  checkModelName(name);
  return modelForWeights(name, path, await readWeightsFileAt(path), classes);
}

/** Says where the weights came from: `w.pth (PyTorch checkpoint, 10 classes from fc.weight)`. */
export function describeWeights(path: string, loaded: LoadedWeights): string {
  const from = { weights: ' from fc.weight', option: ' (--classes)', model: '' }[loaded.classes.from];
  return `${path} (${WEIGHTS_FORMAT_NAMES[loaded.format]}, ${loaded.classes.count} classes${from})`;
}

/** The model with the spec's seeded weights (no weights file given). */
export function seededModel(
  name: string,
  classes: number | undefined,
  seed: number,
): { graph: Graph; weights: Weights } {
  const graph = modelGraph(name, classes);
  return { graph, weights: initWeights(graph, seed) };
}

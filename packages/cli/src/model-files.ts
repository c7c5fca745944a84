import {
  type Graph,
  isResblocksError,
  NETWORK_NAMES,
  networkGraph,
  ResblocksError,
  readWeights,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import { usageError } from './cli-error.js';
import { MAX_FILE_BYTES, readInputFile } from './files.js';

/** The lowered graph of a named network; unknown names are usage errors listing the known ones. */
export function modelGraph(name: string): Graph {
  if (!NETWORK_NAMES.includes(name)) {
    throw usageError(
      `unknown model '${name}'; known models: ${NETWORK_NAMES.join(', ')}`,
      'Pick one of the models listed',
    );
  }
  return networkGraph(name);
}

/** Reads and validates a .safetensors file against the graph; errors name the file. */
export async function loadWeightsFile(graph: Graph, path: string): Promise<Weights> {
  const bytes = await readInputFile(path, 'weights file', MAX_FILE_BYTES.weights);
  try {
    return validateWeights(graph, readWeights(bytes));
  } catch (e) {
    if (isResblocksError(e)) {
      throw new ResblocksError(
        e.code,
        `weights file '${path}': ${e.message}`,
        { ...e.details },
        { cause: e },
      );
    }
    throw e;
  }
}

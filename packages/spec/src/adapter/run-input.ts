import { formatShape, ResblocksError } from '../errors.js';
import type { Graph } from '../ir/ir.js';
import { inferShapes, type Shape } from '../ir/shapes.js';
import { sizeOf, type Tensor } from '../tensor.js';

/**
 * The checks every adapter's run() makes before touching its engine, so all backends reject bad
 * input with the same typed errors. Returns the inferred shapes of every value.
 */
export function checkRunInput(graph: Graph, input: Tensor): Map<string, Shape> {
  if (!input || typeof input !== 'object' || !Array.isArray(input.shape)) {
    throw new ResblocksError('INPUT_SHAPE', 'input must be a tensor { shape, data }', {});
  }
  if (!(input.data instanceof Float32Array)) {
    const got = (input.data as unknown as object | undefined)?.constructor?.name ?? typeof input.data;
    throw new ResblocksError('INPUT_DTYPE', `input data must be a Float32Array (float32), got ${got}`, {
      actual: got,
    });
  }
  const shapes = inferShapes(graph, input.shape);
  if (input.data.length !== sizeOf(input.shape)) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `input data has ${input.data.length} elements but shape ${formatShape(input.shape)} needs ${sizeOf(input.shape)}`,
      { shape: [...input.shape], length: input.data.length },
    );
  }
  return shapes;
}

export function disposedError(backend: string): ResblocksError {
  return new ResblocksError(
    'DISPOSED',
    `run() called after dispose() on ${backend}; compile the model again`,
    {
      backend,
    },
  );
}

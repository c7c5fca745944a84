import { formatShape, ResblocksError } from '../errors.js';
import type { Graph } from '../ir/ir.js';
import { inferShapes, type Shape } from '../ir/shapes.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { GPU_BUFFER_STORAGE, type GpuTensor } from './contract.js';

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

/**
 * The same checks for a GpuTensor input: a shape the graph takes, a buffer with STORAGE usage
 * holding at least the tensor's float32 bytes. Whether it is on the model's device is the engine's
 * check (WebGPU validates it when binding).
 */
export function checkGpuInput(graph: Graph, input: GpuTensor, backend: string): Map<string, Shape> {
  if (!Array.isArray(input.shape)) {
    throw new ResblocksError('INPUT_SHAPE', 'a GPU tensor must be { shape, buffer }', { backend });
  }
  const b = input.buffer as Partial<GpuTensor['buffer']> | null;
  if (!b || typeof b !== 'object' || typeof b.size !== 'number' || typeof b.usage !== 'number') {
    throw new ResblocksError('INPUT_DEVICE', `${backend}: a GPU tensor's buffer must be a GPUBuffer`, {
      backend,
    });
  }
  const shapes = inferShapes(graph, input.shape);
  if ((b.usage & GPU_BUFFER_STORAGE) === 0) {
    throw new ResblocksError(
      'INPUT_DEVICE',
      `${backend}: the input GPUBuffer has usage 0x${b.usage.toString(16)}, without STORAGE (0x80); create it with GPUBufferUsage.STORAGE`,
      { backend, usage: b.usage },
    );
  }
  const bytes = sizeOf(input.shape) * 4;
  if (b.size < bytes) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `${backend}: the input GPUBuffer holds ${b.size} bytes but shape ${formatShape(input.shape)} needs ${bytes} (float32)`,
      { backend, shape: [...input.shape], bytes: b.size, expected: bytes },
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

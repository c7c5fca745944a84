import { formatShape, ResblocksError } from './errors.js';

/** A dense float32 tensor in row-major order (NCHW for activations, OIHW for conv weights). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Float64 tensor used by the reference and by fixtures' expected outputs. */
export interface Tensor64 {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array): Tensor {
  const size = sizeOf(shape);
  if (data && data.length !== size) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `tensor data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`,
      { shape, length: data.length },
    );
  }
  return { shape: [...shape], data: data ?? new Float32Array(size) };
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

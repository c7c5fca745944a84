import type { AvgPoolNode, Conv2dNode, LinearNode, MaxPoolNode } from '@resblocks/spec';
import type { Layout } from './layout.js';
import type { Step } from './plan.js';

/** One gpu.js kernel: its source and the constant arrays it reads. */
export interface KernelSource {
  readonly source: string;
  /** Constant arrays (weights, bias, BN scale/shift), by name. */
  readonly constants: Readonly<Record<string, Float32Array>>;
}

/**
 * A set of kernels that agree on how values are laid out, one source generator per op. The
 * executor runs either family the same way; each gpu.js mode picks the one its code generator
 * compiles well (backends.ts).
 */
export interface KernelFamily {
  readonly name: 'nchw' | 'blocked';
  /** Whether activations with C % 4 == 0 are stored channel-blocked. */
  readonly blocked: boolean;
  /** gpu.js output dimensions of a kernel writing layout `l` (x fastest). */
  dims(l: Layout): number[];
  /** Copies the NCHW input (as `input` hands it over) into this family's layout. */
  upload(l: Layout): KernelSource;
  /**
   * A zero-padded copy of `x` (as layout `y`) that a convolution then reads without bounds
   * checks; absent when the convolutions check bounds themselves.
   */
  pad?(x: Layout, y: Layout, pt: number, pl: number): KernelSource;
  conv(
    node: Conv2dNode,
    x: Layout,
    y: Layout,
    weight: Float32Array,
    bias: Float32Array | undefined,
    steps: readonly Step[],
  ): KernelSource;
  eltwise(l: Layout, steps: readonly Step[]): KernelSource;
  maxPool(node: MaxPoolNode, x: Layout, y: Layout): KernelSource;
  avgPool(node: AvgPoolNode, x: Layout, y: Layout): KernelSource;
  gap(x: Layout): KernelSource;
  linear(node: LinearNode, x: Layout, weight: Float32Array, bias: Float32Array | undefined): KernelSource;
}

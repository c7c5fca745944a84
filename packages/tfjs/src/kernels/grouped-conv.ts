import { ResblocksError } from '@resblocks/spec';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { GroupedConvAttrs } from './grouped-conv-shape.js';
import { groupedConvWebGL } from './grouped-conv-webgl.js';
import { groupedConvWebGPU } from './grouped-conv-webgpu.js';

/**
 * A grouped convolution as one tfjs kernel, registered per GPU backend (see grouped-conv-webgpu.ts
 * and grouped-conv-webgl.ts): tfjs has no grouped conv2d, and building one from dense, depthwise or
 * split convolutions costs either groups x the arithmetic or many passes.
 *
 * Inputs: x NHWC [n, h, w, groups * inPerGroup]; filter [kh, kw, inPerGroup, out] (the grouped
 * OIHW weight in HWIO order: output channel o reads input channels of its group o / outPerGroup);
 * optional bias [out]. Output NHWC [n, oh, ow, out], bias added and ReLU applied in the kernel.
 */
export const GROUPED_CONV_KERNEL = 'ResblocksGroupedConv2D';

export type { GroupedConvAttrs } from './grouped-conv-shape.js';

/** The backends that have a grouped-conv kernel. */
const KERNELS: Record<string, KernelFunc> = { webgpu: groupedConvWebGPU, webgl: groupedConvWebGL };

export const GROUPED_KERNEL_BACKENDS = Object.keys(KERNELS);

/**
 * Registers the kernel for `backend` once (tfjs kernels are global, keyed by backend name). A
 * backend without one is an error, never a silent fallback to another strategy.
 */
export function registerGroupedConv(backend: string): void {
  const kernelFunc = KERNELS[backend];
  if (!kernelFunc) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `groupedConv 'kernel' runs on ${GROUPED_KERNEL_BACKENDS.map((b) => `tfjs:${b}`).join(', ')}, not on tfjs:${backend}`,
      { groupedConv: 'kernel', backend },
    );
  }
  if (!tf.getKernel(GROUPED_CONV_KERNEL, backend))
    tf.registerKernel({ kernelName: GROUPED_CONV_KERNEL, backendName: backend, kernelFunc });
}

/** Runs the registered kernel on the active backend (inside the caller's tidy). */
export function runGroupedConv(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  attrs: GroupedConvAttrs,
): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel(GROUPED_CONV_KERNEL, inputs, { ...attrs }) as tf.Tensor4D;
}

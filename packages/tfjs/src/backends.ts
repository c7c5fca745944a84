import type { Capabilities } from '@resblocks/spec';
import type { TfjsBackend } from './engine.js';

/** What each tfjs backend is, and where it runs. */
export interface TfjsBackendInfo {
  readonly name: TfjsBackend;
  readonly api: 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'native';
  readonly environments: readonly ('node' | 'browser')[];
  readonly description: string;
  /**
   * Non-finite handling was measured per kernel (test/capabilities.test.ts checks these claims both
   * ways). Max pooling skips NaN on every tfjs backend; the program pools a NaN mask to restore
   * PyTorch's behaviour. What is left cannot be fixed from outside the kernels.
   */
  readonly nonFinite: Capabilities['nonFinite'];
}

export const BACKENDS: readonly TfjsBackendInfo[] = [
  {
    name: 'webgpu',
    api: 'webgpu',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-webgpu (WGSL compute shaders; Dawn in Node)',
    nonFinite: true,
  },
  {
    name: 'webgl',
    api: 'webgl',
    environments: ['browser'],
    description: 'tfjs-backend-webgl (WebGL2 fragment shaders)',
    nonFinite:
      'GLSL ES does not require shaders to preserve NaN/Inf, and tfjs:webgl cannot be checked outside a browser',
  },
  {
    name: 'wasm',
    api: 'wasm',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-wasm (XNNPACK, SIMD; threads where cross-origin isolated)',
    nonFinite:
      'tfjs-backend-wasm (XNNPACK) clamps conv and average-pool outputs with min/max instructions that drop NaN: ' +
      'a NaN entering an average pool, or made inside a convolution from Inf - Inf, comes out as a number',
  },
  {
    name: 'cpu',
    api: 'cpu',
    environments: ['node', 'browser'],
    description: 'tfjs-backend-cpu (plain JavaScript kernels; slow, always there)',
    nonFinite: true,
  },
  {
    name: 'tensorflow',
    api: 'native',
    environments: ['node'],
    description:
      'TensorFlow C library via @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (optional peer)',
    nonFinite: 'not verified: the native TensorFlow binding cannot be installed where this adapter is tested',
  },
];

import type { Graph, ParamSpec } from '../ir/ir.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { streamFor } from './prng.js';
import type { Weights } from './weights.js';

/**
 * Draws one parameter from its own stream (see prng.ts); s = symmetric() in [-1, 1), u = uniform():
 *   conv_weight    s * sqrt(6 / fanIn)       (Kaiming-uniform for ReLU)
 *   conv_bias      s * 0.1
 *   bn_weight      1 + 0.25 s                BN statistics are deliberately not identity,
 *   bn_weight_last 0.2 + 0.1 s               so every term of BN is exercised; the last BN of a
 *   bn_bias        0.1 s                     residual branch is small so deep nets stay O(1)
 *   bn_mean        0.1 s
 *   bn_var         0.5 + u
 *   linear_weight  s / sqrt(fanIn)           (PyTorch's Linear default range)
 *   linear_bias    s / sqrt(fanIn)
 * Values are computed in float64 and rounded once to float32.
 */
export function initParam(p: ParamSpec, seed: number): Tensor {
  const rng = streamFor(seed, p.name);
  const data = new Float32Array(sizeOf(p.shape));
  let draw: () => number;
  switch (p.role) {
    case 'conv_weight': {
      const b = Math.sqrt(6 / p.fanIn);
      draw = () => rng.symmetric() * b;
      break;
    }
    case 'conv_bias':
      draw = () => rng.symmetric() * 0.1;
      break;
    case 'bn_weight':
      draw = () => 1 + 0.25 * rng.symmetric();
      break;
    case 'bn_weight_last':
      draw = () => 0.2 + 0.1 * rng.symmetric();
      break;
    case 'bn_bias':
    case 'bn_mean':
      draw = () => 0.1 * rng.symmetric();
      break;
    case 'bn_var':
      draw = () => 0.5 + rng.uniform();
      break;
    case 'linear_weight':
    case 'linear_bias': {
      const b = 1 / Math.sqrt(p.fanIn);
      draw = () => rng.symmetric() * b;
      break;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return { shape: [...p.shape], data };
}

/** The seeded reference weights of a graph, in state_dict order. */
export function initWeights(graph: Graph, seed: number): Weights {
  return new Map(graph.params.map((p) => [p.name, initParam(p, seed)]));
}

/** A seeded input in [-1, 1) of the given shape (stream name `input`). */
export function seededInput(shape: readonly number[], seed: number): Tensor {
  const rng = streamFor(seed, 'input');
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.symmetric();
  return { shape: [...shape], data };
}

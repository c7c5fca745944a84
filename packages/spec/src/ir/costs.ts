import { sizeOf } from '../tensor.js';
import type { Graph } from './ir.js';
import { inferShapes, type Shape } from './shapes.js';

export interface GraphCosts {
  /** Learned parameters (BN running statistics excluded, as torchvision counts). */
  parameters: number;
  /** BN running mean and variance. */
  buffers: number;
  /** Multiply-accumulates of conv and linear layers (what torchvision calls "GFLOPS"). */
  macs: number;
  /** 2 * macs plus one operation per element of BN, ReLU, add and pooling. */
  flops: number;
}

export function graphCosts(graph: Graph, inputShape: Shape = [1, graph.inChannels, 224, 224]): GraphCosts {
  let parameters = 0;
  let buffers = 0;
  for (const p of graph.params) {
    if (p.role === 'bn_mean' || p.role === 'bn_var') buffers += sizeOf(p.shape);
    else parameters += sizeOf(p.shape);
  }
  const shapes = inferShapes(graph, inputShape);
  let macs = 0;
  let other = 0;
  for (const node of graph.nodes) {
    const out = shapes.get(node.name)!;
    const n = sizeOf(out);
    if (node.op === 'conv2d') macs += n * (node.inChannels / node.groups) * node.kernel[0] * node.kernel[1];
    else if (node.op === 'linear') macs += n * node.inFeatures;
    else if (node.op === 'maxpool' || node.op === 'avgpool') other += n * node.kernel[0] * node.kernel[1];
    else if (node.op === 'globalavgpool') other += sizeOf(shapes.get(node.inputs[0]!)!);
    else if (node.op !== 'flatten') other += n;
  }
  return { parameters, buffers, macs, flops: 2 * macs + other };
}

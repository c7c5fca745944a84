import type { Tensor } from '../tensor.js';
import { validateWeights, type Weights } from '../weights/weights.js';
import { soleConsumers } from './consumers.js';
import type { BatchNormNode, Conv2dNode, Graph, GraphNode, ParamSpec } from './ir.js';

/**
 * Folds every batch norm that directly follows a convolution (and is that convolution's only
 * consumer) into it: W' = W * g / sqrt(v + eps) per output channel, b' = (b - m) * g / sqrt(v + eps) + beta.
 * The result is an equivalent graph; BNs that follow something else (pre-activation, BN after add)
 * stay as they are. Folded parameters are computed in float64 and rounded once to float32. The
 * folded conv's bias is named `<conv>.bias` (torchvision's name for a conv bias).
 */
export function foldBatchNorm(graph: Graph, weights: Weights): { graph: Graph; weights: Weights } {
  const w = validateWeights(graph, weights);
  const sole = soleConsumers(graph);
  const producer = new Map(graph.nodes.map((n) => [n.name, n]));
  const outWeights: Weights = new Map(w);
  const newParams = new Map<string, ParamSpec>(graph.params.map((p) => [p.name, p]));
  const folded = new Map<string, Conv2dNode>(); // bn name -> new conv
  const dropped = new Set<string>(); // conv names merged into a following BN
  for (const node of graph.nodes) {
    if (node.op !== 'batchnorm') continue;
    const src = producer.get(node.inputs[0]!);
    if (!src || src.op !== 'conv2d' || sole.get(src.name) !== node) continue;
    const conv = src;
    const bn = node as BatchNormNode;
    const W = w.get(conv.weight)!;
    const g = w.get(bn.weight)!.data;
    const beta = w.get(bn.bias)!.data;
    const mean = w.get(bn.mean)!.data;
    const variance = w.get(bn.var)!.data;
    const oldBias = conv.bias ? w.get(conv.bias)!.data : undefined;
    const per = W.data.length / conv.outChannels;
    const newW = new Float32Array(W.data.length);
    const newB = new Float32Array(conv.outChannels);
    for (let o = 0; o < conv.outChannels; o++) {
      const s = g[o]! / Math.sqrt(variance[o]! + bn.eps);
      for (let k = 0; k < per; k++) newW[o * per + k] = W.data[o * per + k]! * s;
      newB[o] = ((oldBias ? oldBias[o]! : 0) - mean[o]!) * s + beta[o]!;
    }
    const biasName = conv.bias ?? conv.weight.replace(/\.weight$/, '.bias');
    outWeights.set(conv.weight, { shape: W.shape, data: newW } satisfies Tensor);
    outWeights.set(biasName, { shape: [conv.outChannels], data: newB });
    for (const k of [bn.weight, bn.bias, bn.mean, bn.var]) {
      outWeights.delete(k);
      newParams.delete(k);
    }
    if (!conv.bias)
      newParams.set(biasName, { name: biasName, shape: [conv.outChannels], role: 'conv_bias', fanIn: per });
    // The folded conv takes the BN's name so downstream references stay valid.
    folded.set(bn.name, { ...conv, name: bn.name, bias: biasName });
    dropped.add(conv.name);
  }
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    if (dropped.has(n.name)) continue;
    nodes.push(folded.get(n.name) ?? n);
  }
  // Keep state_dict order: each folded bias right after its weight.
  const params: ParamSpec[] = [];
  for (const p of graph.params) {
    if (!newParams.has(p.name)) continue;
    params.push(p);
    if (p.role === 'conv_weight') {
      const b = p.name.replace(/\.weight$/, '.bias');
      const spec = newParams.get(b);
      if (spec && !graph.params.some((q) => q.name === b)) params.push(spec);
    }
  }
  const orderedWeights: Weights = new Map(params.map((p) => [p.name, outWeights.get(p.name)!]));
  return { graph: { ...graph, nodes, params }, weights: orderedWeights };
}

/**
 * An unfolded BN as the per-channel affine map y = x * scale + shift that adapters run (scale
 * and shift computed in float64, rounded once to float32).
 */
export function batchNormAffine(
  node: BatchNormNode,
  weights: ReadonlyMap<string, Tensor>,
): { scale: Float32Array; shift: Float32Array } {
  const g = weights.get(node.weight)!.data;
  const beta = weights.get(node.bias)!.data;
  const m = weights.get(node.mean)!.data;
  const v = weights.get(node.var)!.data;
  const scale = new Float32Array(node.channels);
  const shift = new Float32Array(node.channels);
  for (let c = 0; c < node.channels; c++) {
    const s = g[c]! / Math.sqrt(v[c]! + node.eps);
    scale[c] = s;
    shift[c] = beta[c]! - m[c]! * s;
  }
  return { scale, shift };
}

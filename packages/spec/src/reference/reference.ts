import { formatShape, ResblocksError } from '../errors.js';
import type { AvgPoolNode, Conv2dNode, Graph, LinearNode, MaxPoolNode } from '../ir/ir.js';
import { inferShapes, poolWindow, type Shape } from '../ir/shapes.js';
import { sizeOf, type Tensor, type Tensor64 } from '../tensor.js';
import { validateWeights, type Weights } from '../weights/weights.js';

/**
 * The oracle: executes the IR on the CPU in float64 (weights and input are widened once, every
 * sum is accumulated in float64). Straightforward loops, written for clarity over speed.
 */
export function runReference(graph: Graph, weights: Weights, input: Tensor | Tensor64): Tensor64 {
  return execute(graph, weights, input, new Set()).get(graph.output)!;
}

/**
 * The reference's value of each named node (every node when `names` is left out) and of the
 * output, by node name, in float64.
 */
export function traceReference(
  graph: Graph,
  weights: Weights,
  input: Tensor | Tensor64,
  names?: Iterable<string>,
): Map<string, Tensor64> {
  return execute(graph, weights, input, new Set(names ?? graph.nodes.map((n) => n.name)));
}

/** Runs the graph, keeping the output and the values in `keep` (the rest is freed at its last use). */
function execute(
  graph: Graph,
  weights: Weights,
  input: Tensor | Tensor64,
  keep: ReadonlySet<string>,
): Map<string, Tensor64> {
  const w = validateWeights(graph, weights);
  if (input.data.length !== sizeOf(input.shape)) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `input has ${input.data.length} elements but its shape ${formatShape(input.shape)} needs ${sizeOf(input.shape)}`,
      { shape: [...input.shape], length: input.data.length },
    );
  }
  const shapes = inferShapes(graph, input.shape);
  const param = (name: string) => Float64Array.from(w.get(name)!.data);
  const values = new Map<string, Float64Array>([[graph.input, Float64Array.from(input.data)]]);
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const x of n.inputs) lastUse.set(x, i);
  });
  graph.nodes.forEach((node, i) => {
    const x = values.get(node.inputs[0]!)!;
    const xs = shapes.get(node.inputs[0]!)!;
    const ys = shapes.get(node.name)!;
    let y: Float64Array;
    switch (node.op) {
      case 'conv2d':
        y = conv2d(node, x, xs, ys, param(node.weight), node.bias ? param(node.bias) : undefined);
        break;
      case 'batchnorm': {
        const [n, c, h, wd] = xs as [number, number, number, number];
        const g = param(node.weight);
        const b = param(node.bias);
        const m = param(node.mean);
        const v = param(node.var);
        y = new Float64Array(x.length);
        const hw = h * wd;
        for (let ni = 0; ni < n; ni++)
          for (let ci = 0; ci < c; ci++) {
            const scale = g[ci]! / Math.sqrt(v[ci]! + node.eps);
            const base = (ni * c + ci) * hw;
            for (let k = 0; k < hw; k++) y[base + k] = (x[base + k]! - m[ci]!) * scale + b[ci]!;
          }
        break;
      }
      case 'relu':
        // NaN must propagate (Math.max would too, but be explicit).
        y = x.map((v) => (v > 0 || Number.isNaN(v) ? v : 0));
        break;
      case 'add': {
        const b = values.get(node.inputs[1]!)!;
        y = x.map((v, k) => v + b[k]!);
        break;
      }
      case 'maxpool':
      case 'avgpool':
        y = pool(node, x, xs, ys);
        break;
      case 'globalavgpool': {
        const [n, c, h, wd] = xs as [number, number, number, number];
        y = new Float64Array(n * c);
        for (let k = 0; k < n * c; k++) {
          let s = 0;
          for (let j = 0; j < h * wd; j++) s += x[k * h * wd + j]!;
          y[k] = s / (h * wd);
        }
        break;
      }
      case 'flatten':
        y = x;
        break;
      case 'linear':
        y = linear(node, x, xs, param(node.weight), node.bias ? param(node.bias) : undefined);
        break;
    }
    values.set(node.name, y);
    for (const name of node.inputs)
      if (lastUse.get(name) === i && name !== graph.output && !keep.has(name)) values.delete(name);
  });
  const out = new Map<string, Tensor64>();
  for (const node of graph.nodes) {
    if (node.name !== graph.output && !keep.has(node.name)) continue;
    out.set(node.name, { shape: [...shapes.get(node.name)!], data: values.get(node.name)! });
  }
  return out;
}

function conv2d(
  node: Conv2dNode,
  x: Float64Array,
  xs: Shape,
  ys: Shape,
  wt: Float64Array,
  bias?: Float64Array,
): Float64Array {
  const [n, cin, h, wd] = xs as [number, number, number, number];
  const [, cout, oh, ow] = ys as [number, number, number, number];
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.dilation;
  const [pt, pl] = node.pads;
  const icPerG = cin / node.groups;
  const ocPerG = cout / node.groups;
  const y = new Float64Array(n * cout * oh * ow);
  for (let ni = 0; ni < n; ni++)
    for (let oc = 0; oc < cout; oc++) {
      const outBase = (ni * cout + oc) * oh * ow;
      if (bias) y.fill(bias[oc]!, outBase, outBase + oh * ow);
      const g = Math.floor(oc / ocPerG);
      for (let icl = 0; icl < icPerG; icl++) {
        const inBase = (ni * cin + g * icPerG + icl) * h * wd;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const wv = wt[((oc * icPerG + icl) * kh + ky) * kw + kx]!;
            const offX = kx * dw - pl;
            const owLo = Math.max(0, Math.ceil(-offX / sw));
            const owHi = Math.min(ow - 1, Math.floor((wd - 1 - offX) / sw));
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              const rowIn = inBase + iy * wd + offX;
              const rowOut = outBase + oy * ow;
              for (let ox = owLo; ox <= owHi; ox++) y[rowOut + ox]! += wv * x[rowIn + ox * sw]!;
            }
          }
      }
    }
  return y;
}

function pool(node: MaxPoolNode | AvgPoolNode, x: Float64Array, xs: Shape, ys: Shape): Float64Array {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [, , oh, ow] = ys as [number, number, number, number];
  const y = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const { y0, y1, x0, x1, padded } = poolWindow(node, h, wd, oy, ox);
        let acc = node.op === 'maxpool' ? Number.NEGATIVE_INFINITY : 0;
        let nan = false;
        for (let iy = y0; iy < y1; iy++)
          for (let ix = x0; ix < x1; ix++) {
            const v = x[(p * h + iy) * wd + ix]!;
            if (Number.isNaN(v)) nan = true;
            if (node.op === 'maxpool') acc = v > acc ? v : acc;
            else acc += v;
          }
        if (node.op === 'avgpool') acc /= node.countIncludePad ? padded : (y1 - y0) * (x1 - x0);
        y[(p * oh + oy) * ow + ox] = nan ? Number.NaN : acc;
      }
  return y;
}

function linear(
  node: LinearNode,
  x: Float64Array,
  xs: Shape,
  wt: Float64Array,
  bias?: Float64Array,
): Float64Array {
  const n = xs[0]!;
  const { inFeatures: fi, outFeatures: fo } = node;
  const y = new Float64Array(n * fo);
  for (let ni = 0; ni < n; ni++)
    for (let o = 0; o < fo; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < fi; i++) s += wt[o * fi + i]! * x[ni * fi + i]!;
      y[ni * fo + o] = s;
    }
  return y;
}

import { formatShape, ResblocksError } from '../errors.js';
import type { Graph, GraphNode, Pads, Pair } from './ir.js';

export type Shape = readonly number[];

/** PyTorch's output size for conv and pooling windows along one axis. */
export function windowOutSize(
  size: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation = 1,
  ceilMode = false,
): number {
  // aten's pooling_output_shape_pad_lr: floor division (toward -inf) of the span, rounded up in
  // ceil mode, so a 2x2/2 ceil-mode pool of a 1-pixel side still yields 1.
  const span = size + padBefore + padAfter - dilation * (kernel - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // torch: the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= size + padBefore) out--;
  return Math.max(0, out);
}

/**
 * PyTorch's pooling window for output (oy, ox) (aten/src/ATen/native/AveragePool2d.cpp): the
 * rows [y0, y1) and columns [x0, x1) it reads, clipped to the input, and `padded`, its size
 * clipped only to input plus padding (the count_include_pad divisor).
 */
export function poolWindow(
  node: { kernel: Pair; stride: Pair; pads: Pads },
  h: number,
  w: number,
  oy: number,
  ox: number,
): { y0: number; y1: number; x0: number; x1: number; padded: number } {
  const y0 = oy * node.stride[0] - node.pads[0];
  const x0 = ox * node.stride[1] - node.pads[1];
  const y1 = Math.min(y0 + node.kernel[0], h + node.pads[2]);
  const x1 = Math.min(x0 + node.kernel[1], w + node.pads[3]);
  return {
    y0: Math.max(y0, 0),
    x0: Math.max(x0, 0),
    y1: Math.min(y1, h),
    x1: Math.min(x1, w),
    padded: (y1 - y0) * (x1 - x0),
  };
}

function windowShape(
  node: GraphNode,
  x: Shape,
  channels: number,
  kernel: Pair,
  stride: Pair,
  pads: Pads,
  dilation: Pair,
  ceilMode: boolean,
): Shape {
  const [n, , h, w] = x as [number, number, number, number];
  const oh = windowOutSize(h, kernel[0], stride[0], pads[0], pads[2], dilation[0], ceilMode);
  const ow = windowOutSize(w, kernel[1], stride[1], pads[1], pads[3], dilation[1], ceilMode);
  if (oh < 1 || ow < 1) {
    throw new ResblocksError(
      'INPUT_TOO_SMALL',
      `input is too small: '${node.name}' (${node.op} ${kernel[0]}x${kernel[1]}/${stride[0]}) gets ${h}x${w} and would produce ${oh}x${ow}`,
      { node: node.name, height: h, width: w },
    );
  }
  return [n, channels, oh, ow];
}

/**
 * Shapes of every value for an input of shape [N, C, H, W]. Throws INPUT_SHAPE when the rank or
 * channel count is wrong and INPUT_TOO_SMALL when a window no longer fits.
 */
export function inferShapes(graph: Graph, inputShape: Shape): Map<string, Shape> {
  if (
    inputShape.length !== 4 ||
    inputShape.some((d) => !Number.isInteger(d) || d < 1) ||
    inputShape[1] !== graph.inChannels
  ) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `input shape ${formatShape(inputShape)} does not match [N, ${graph.inChannels}, H, W] for '${graph.name}'`,
      { expected: ['N', graph.inChannels, 'H', 'W'], actual: [...inputShape] },
    );
  }
  const shapes = new Map<string, Shape>([[graph.input, inputShape]]);
  const get = (name: string): Shape => {
    const s = shapes.get(name);
    if (!s)
      throw new ResblocksError('UNKNOWN_OP', `value '${name}' is used before it is defined`, { value: name });
    return s;
  };
  for (const node of graph.nodes) {
    const x = get(node.inputs[0]!);
    let out: Shape;
    switch (node.op) {
      case 'conv2d':
        if (x[1] !== node.inChannels) {
          throw new ResblocksError(
            'INPUT_SHAPE',
            `'${node.name}' expects ${node.inChannels} channels, got ${x[1]}`,
            {
              node: node.name,
            },
          );
        }
        out = windowShape(
          node,
          x,
          node.outChannels,
          node.kernel,
          node.stride,
          node.pads,
          node.dilation,
          false,
        );
        break;
      case 'maxpool':
        out = windowShape(node, x, x[1]!, node.kernel, node.stride, node.pads, [1, 1], node.ceilMode);
        break;
      case 'avgpool':
        out = windowShape(node, x, x[1]!, node.kernel, node.stride, node.pads, [1, 1], node.ceilMode);
        break;
      case 'batchnorm':
      case 'relu':
        out = x;
        break;
      case 'add': {
        const y = get(node.inputs[1]!);
        if (formatShape(x) !== formatShape(y)) {
          throw new ResblocksError(
            'INPUT_SHAPE',
            `'${node.name}' adds ${formatShape(x)} and ${formatShape(y)}; the shapes must match`,
            { node: node.name, a: [...x], b: [...y] },
          );
        }
        out = x;
        break;
      }
      case 'globalavgpool':
        out = [x[0]!, x[1]!, 1, 1];
        break;
      case 'flatten':
        out = [x[0]!, x.slice(1).reduce((a, b) => a * b, 1)];
        break;
      case 'linear':
        if (x[1] !== node.inFeatures) {
          throw new ResblocksError(
            'INPUT_SHAPE',
            `'${node.name}' expects ${node.inFeatures} features, got ${x[1]}`,
            {
              node: node.name,
            },
          );
        }
        out = [x[0]!, node.outFeatures];
        break;
      default: {
        const op = (node as { op: string }).op;
        throw new ResblocksError('UNKNOWN_OP', `unknown op '${op}' in node '${(node as GraphNode).name}'`, {
          op,
        });
      }
    }
    shapes.set(node.name, out);
  }
  return shapes;
}

/** Shape of the graph output for a given input shape. */
export function outputShape(graph: Graph, inputShape: Shape): Shape {
  return inferShapes(graph, inputShape).get(graph.output)!;
}

/** The smallest square input side this graph admits (searched, so it holds for any stem). */
export function minInputSize(graph: Graph): number {
  for (let s = 1; s <= 4096; s++) {
    try {
      inferShapes(graph, [1, graph.inChannels, s, s]);
      return s;
    } catch {
      /* too small */
    }
  }
  return Number.POSITIVE_INFINITY;
}

import {
  foldBatchNorm,
  type Graph,
  type GraphNode,
  OP_TYPES,
  ResblocksError,
  type Tensor,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import { type OnnxTypes, onnx } from './proto.js';
import { IR_VERSION, OPSET, PRODUCER_NAME, VERSION } from './version.js';

export interface ExportOptions {
  /** Fold each BN into the conv before it (default true); false keeps BatchNormalization nodes. */
  readonly foldBatchNorm?: boolean;
  /** Name of the graph output; default 'logits' for networks (ending in a linear layer), else 'output'. */
  readonly outputName?: string;
  /**
   * Values of the exported graph (after folding) that are graph outputs too, under their node
   * names, after the main output: a traced model's intermediate values. ONNX Runtime then keeps
   * each one (no fusion past it); a run that fetches only the main output skips none of the work.
   */
  readonly extraOutputs?: readonly string[];
}

/** Name of the exported graph input. */
export const INPUT_NAME = 'input';

type Attr = OnnxTypes.IAttributeProto;
const AT = onnx.AttributeProto.AttributeType;

const ints = (name: string, v: readonly number[]): Attr => ({ name, type: AT.INTS, ints: [...v] });
const int = (name: string, v: number): Attr => ({ name, type: AT.INT, i: v });
const float = (name: string, v: number): Attr => ({ name, type: AT.FLOAT, f: v });

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 little-endian bytes of a tensor, as ONNX raw_data requires. */
function rawData(t: Tensor): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(t.data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i]!, true);
  return out;
}

function dims(shape: readonly (number | string)[]): OnnxTypes.TensorShapeProto.IDimension[] {
  return shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
}

/** A float32 value; without `shape` its rank is left to the runtime's shape inference. */
function valueInfo(name: string, shape?: readonly (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        ...(shape ? { shape: { dim: dims(shape) } } : {}),
      },
    },
  };
}

/** The extra outputs, checked against the exported graph's nodes. */
function extraOutputs(g: Graph, names: readonly string[] = []): string[] {
  const known = new Set(g.nodes.map((n) => n.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new ResblocksError(
      'EXPORT',
      `extra outputs name no node of '${g.name}' as exported (BN folded into convolutions unless foldBatchNorm is false): ${unknown.join(', ')}`,
      { unknown },
    );
  }
  return g.nodes.filter((n) => n.name !== g.output && names.includes(n.name)).map((n) => n.name);
}

/** Checks the node list before anything is encoded: known ops, inputs defined before use. */
function checkGraph(graph: Graph): void {
  const defined = new Set([graph.input]);
  for (const node of graph.nodes as readonly { op: string; name: string; inputs: readonly string[] }[]) {
    if (!(OP_TYPES as readonly string[]).includes(node.op)) {
      throw new ResblocksError(
        'UNKNOWN_OP',
        `cannot export node '${node.name}': unknown op '${node.op}' (known: ${OP_TYPES.join(', ')})`,
        { node: node.name, op: node.op },
      );
    }
    for (const i of node.inputs) {
      if (!defined.has(i)) {
        throw new ResblocksError(
          'EXPORT',
          `node '${node.name}' reads '${i}', which no earlier node produces`,
          {
            node: node.name,
            input: i,
          },
        );
      }
    }
    defined.add(node.name);
  }
  if (!defined.has(graph.output)) {
    throw new ResblocksError('EXPORT', `graph output '${graph.output}' is produced by no node`, {
      output: graph.output,
    });
  }
}

/** Channel count of every value (the output value_info needs the last one). */
function channelsOf(graph: Graph): Map<string, number> {
  const ch = new Map([[graph.input, graph.inChannels]]);
  for (const n of graph.nodes) {
    const c = n.op === 'conv2d' ? n.outChannels : n.op === 'linear' ? n.outFeatures : ch.get(n.inputs[0]!)!;
    ch.set(n.name, c);
  }
  return ch;
}

function toNode(n: GraphNode, value: (name: string) => string): OnnxTypes.INodeProto {
  const base = { name: n.name, input: n.inputs.map(value), output: [value(n.name)] };
  switch (n.op) {
    case 'conv2d':
      return {
        ...base,
        opType: 'Conv',
        input: [...base.input, n.weight, ...(n.bias ? [n.bias] : [])],
        attribute: [
          ints('kernel_shape', n.kernel),
          // IR pads are [top, left, bottom, right] = ONNX [x1_begin, x2_begin, x1_end, x2_end].
          ints('pads', n.pads),
          ints('strides', n.stride),
          ints('dilations', n.dilation),
          int('group', n.groups),
        ],
      };
    case 'batchnorm':
      return {
        ...base,
        opType: 'BatchNormalization',
        input: [...base.input, n.weight, n.bias, n.mean, n.var],
        attribute: [float('epsilon', n.eps)],
      };
    case 'relu':
      return { ...base, opType: 'Relu' };
    case 'add':
      return { ...base, opType: 'Add' };
    case 'maxpool':
      return {
        ...base,
        opType: 'MaxPool',
        attribute: [
          ints('kernel_shape', n.kernel),
          ints('pads', n.pads),
          ints('strides', n.stride),
          int('ceil_mode', n.ceilMode ? 1 : 0),
        ],
      };
    case 'avgpool':
      return {
        ...base,
        opType: 'AveragePool',
        attribute: [
          ints('kernel_shape', n.kernel),
          ints('pads', n.pads),
          ints('strides', n.stride),
          int('ceil_mode', n.ceilMode ? 1 : 0),
          int('count_include_pad', n.countIncludePad ? 1 : 0),
        ],
      };
    case 'globalavgpool':
      return { ...base, opType: 'GlobalAveragePool' };
    case 'flatten':
      return { ...base, opType: 'Flatten', attribute: [int('axis', 1)] };
    case 'linear':
      return {
        ...base,
        opType: 'Gemm',
        input: [...base.input, n.weight, ...(n.bias ? [n.bias] : [])],
        attribute: [int('transB', 1)],
      };
  }
}

/**
 * Exports the graph with its weights as an ONNX model (opset 17, IR version 8): input 'input'
 * float32 [batch, C, height, width] with symbolic batch/height/width, output 'logits' for networks
 * or 'output' for blocks, weights as float32 initializers named like the state_dict.
 */
export function exportOnnx(graph: Graph, weights: Weights, options: ExportOptions = {}): Uint8Array {
  checkGraph(graph);
  let g = graph;
  let w = validateWeights(graph, weights);
  const fold = options.foldBatchNorm ?? true;
  if (fold) ({ graph: g, weights: w } = foldBatchNorm(graph, w));
  const isNetwork = g.nodes.find((n) => n.name === g.output)?.op === 'linear';
  const outputName = options.outputName ?? (isNetwork ? 'logits' : 'output');
  const value = (name: string) => (name === g.input ? INPUT_NAME : name === g.output ? outputName : name);
  const outChannels = channelsOf(g).get(g.output)!;
  const extra = extraOutputs(g, options.extraOutputs);
  try {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: PRODUCER_NAME,
      producerVersion: VERSION,
      modelVersion: 1,
      docString: `resblocks ${VERSION}: ${g.name}${fold ? ' (batch norm folded into convolutions)' : ''}`,
      metadataProps: [
        { key: 'network', value: g.name },
        { key: 'resblocks_version', value: VERSION },
        { key: 'batchnorm', value: fold ? 'folded' : 'kept' },
      ],
      graph: {
        name: g.name,
        docString: `${g.name}, NCHW float32 in, ${isNetwork ? 'logits' : 'NCHW float32'} out`,
        node: g.nodes.map((n) => toNode(n, value)),
        input: [valueInfo(INPUT_NAME, ['batch', g.inChannels, 'height', 'width'])],
        output: [
          valueInfo(
            outputName,
            isNetwork ? ['batch', outChannels] : ['batch', outChannels, 'out_height', 'out_width'],
          ),
          ...extra.map((name) => valueInfo(name)),
        ],
        initializer: g.params.map((p) => {
          const t = w.get(p.name)!;
          return {
            name: p.name,
            dims: [...t.shape],
            dataType: onnx.TensorProto.DataType.FLOAT,
            rawData: rawData(t),
          };
        }),
      },
    };
    return onnx.ModelProto.encode(model).finish();
  } catch (e) {
    if (e instanceof ResblocksError) throw e;
    throw new ResblocksError(
      'EXPORT',
      `exporting '${g.name}' to ONNX failed: ${(e as Error).message}`,
      {
        network: g.name,
      },
      { cause: e },
    );
  }
}

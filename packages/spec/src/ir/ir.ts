/**
 * The graph IR: a flat list of nodes in execution order over named values. Every adapter
 * consumes this and nothing else, so none re-derives the architecture. Activations are NCHW;
 * conv weights OIHW; linear weights [out, in] (torchvision layouts). Batch, height and width are
 * free: shapes are inferred per input (see shapes.ts).
 */

/** [top, left, bottom, right] */
export type Pads = readonly [number, number, number, number];
export type Pair = readonly [number, number];

interface NodeBase {
  /** Unique node name; also the name of the value it produces. */
  readonly name: string;
  readonly inputs: readonly string[];
}

export interface Conv2dNode extends NodeBase {
  readonly op: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads;
  readonly dilation: Pair;
  readonly groups: number;
  /** Parameter names: weight [out, in/groups, kh, kw], optional bias [out]. */
  readonly weight: string;
  readonly bias?: string;
}

/** Inference-form batch norm: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel. */
export interface BatchNormNode extends NodeBase {
  readonly op: 'batchnorm';
  readonly channels: number;
  readonly eps: number;
  readonly weight: string;
  readonly bias: string;
  readonly mean: string;
  readonly var: string;
}

export interface ReluNode extends NodeBase {
  readonly op: 'relu';
}

export interface AddNode extends NodeBase {
  readonly op: 'add';
}

/** PyTorch semantics: padding is -inf; ceilMode follows torch's output-size rule. */
export interface MaxPoolNode extends NodeBase {
  readonly op: 'maxpool';
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads;
  readonly ceilMode: boolean;
}

/** PyTorch semantics: countIncludePad decides whether zero padding counts in the divisor. */
export interface AvgPoolNode extends NodeBase {
  readonly op: 'avgpool';
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
}

export interface GlobalAvgPoolNode extends NodeBase {
  readonly op: 'globalavgpool';
}

/** [N, C, 1, 1] -> [N, C] */
export interface FlattenNode extends NodeBase {
  readonly op: 'flatten';
}

export interface LinearNode extends NodeBase {
  readonly op: 'linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: string;
  readonly bias?: string;
}

export type GraphNode =
  | Conv2dNode
  | BatchNormNode
  | ReluNode
  | AddNode
  | MaxPoolNode
  | AvgPoolNode
  | GlobalAvgPoolNode
  | FlattenNode
  | LinearNode;

export type OpType = GraphNode['op'];

export const OP_TYPES: readonly OpType[] = [
  'conv2d',
  'batchnorm',
  'relu',
  'add',
  'maxpool',
  'avgpool',
  'globalavgpool',
  'flatten',
  'linear',
];

/**
 * How the seeded initializer fills a parameter (see init.ts). `bn_weight_last` marks the last BN
 * of a residual branch, which gets a smaller scale so deep networks keep O(1) activations.
 */
export type ParamRole =
  | 'conv_weight'
  | 'conv_bias'
  | 'bn_weight'
  | 'bn_weight_last'
  | 'bn_bias'
  | 'bn_mean'
  | 'bn_var'
  | 'linear_weight'
  | 'linear_bias';

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  /** Fan-in used by the initializer (conv: in/groups*kh*kw; linear: in). */
  readonly fanIn: number;
}

export interface Graph {
  readonly name: string;
  /** Name of the graph input value, NCHW float32. */
  readonly input: string;
  readonly inChannels: number;
  /** Name of the output value ([N, C, H, W] for blocks, [N, classes] for networks). */
  readonly output: string;
  readonly nodes: readonly GraphNode[];
  /** Every parameter, in torchvision state_dict order. */
  readonly params: readonly ParamSpec[];
}

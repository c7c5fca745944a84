import type { Graph, GraphNode, Pads, Pair, ParamRole, ParamSpec } from './ir.js';

/** A convolution's geometry; a number stands for the same value on both axes (all four sides). */
export interface ConvOptions {
  inChannels: number;
  outChannels: number;
  kernel: number | Pair;
  stride?: number | Pair;
  /** [top, left, bottom, right] or one pad for every side. */
  pad?: number | Pads;
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);
const pads = (v: number | Pads): Pads => (typeof v === 'number' ? [v, v, v, v] : v);

/**
 * Emits nodes and their parameters with torchvision names, for the lowering and for graphs built
 * by hand (tests, single-op cases). `prefix` arguments are state_dict prefixes such as
 * `layer1.0.conv1`.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly params: ParamSpec[] = [];
  private readonly names = new Set<string>();

  constructor(
    readonly name: string,
    readonly input: string,
    readonly inChannels: number,
  ) {
    this.names.add(input);
  }

  private unique(base: string): string {
    let n = base;
    for (let i = 1; this.names.has(n); i++) n = `${base}#${i}`;
    this.names.add(n);
    return n;
  }

  private param(name: string, shape: number[], role: ParamRole, fanIn: number): string {
    this.params.push({ name, shape, role, fanIn });
    return name;
  }

  conv(x: string, prefix: string, o: ConvOptions): string {
    const kernel = pair(o.kernel);
    const g = o.groups ?? 1;
    const fanIn = (o.inChannels / g) * kernel[0] * kernel[1];
    const weight = this.param(
      `${prefix}.weight`,
      [o.outChannels, o.inChannels / g, ...kernel],
      'conv_weight',
      fanIn,
    );
    const bias = o.bias ? this.param(`${prefix}.bias`, [o.outChannels], 'conv_bias', fanIn) : undefined;
    const name = this.unique(prefix);
    this.nodes.push({
      op: 'conv2d',
      name,
      inputs: [x],
      inChannels: o.inChannels,
      outChannels: o.outChannels,
      kernel,
      stride: pair(o.stride ?? 1),
      pads: pads(o.pad ?? 0),
      dilation: pair(o.dilation ?? 1),
      groups: g,
      weight,
      ...(bias ? { bias } : {}),
    });
    return name;
  }

  bn(x: string, prefix: string, channels: number, eps: number, last = false): string {
    const weight = this.param(
      `${prefix}.weight`,
      [channels],
      last ? 'bn_weight_last' : 'bn_weight',
      channels,
    );
    const bias = this.param(`${prefix}.bias`, [channels], 'bn_bias', channels);
    const mean = this.param(`${prefix}.running_mean`, [channels], 'bn_mean', channels);
    const variance = this.param(`${prefix}.running_var`, [channels], 'bn_var', channels);
    const name = this.unique(prefix);
    this.nodes.push({ op: 'batchnorm', name, inputs: [x], channels, eps, weight, bias, mean, var: variance });
    return name;
  }

  relu(x: string, name: string): string {
    const n = this.unique(name);
    this.nodes.push({ op: 'relu', name: n, inputs: [x] });
    return n;
  }

  add(a: string, b: string, name: string): string {
    const n = this.unique(name);
    this.nodes.push({ op: 'add', name: n, inputs: [a, b] });
    return n;
  }

  maxpool(
    x: string,
    name: string,
    kernel: number | Pair,
    stride: number | Pair,
    pad: number | Pads,
    ceilMode = false,
  ): string {
    const n = this.unique(name);
    this.nodes.push({
      op: 'maxpool',
      name: n,
      inputs: [x],
      kernel: pair(kernel),
      stride: pair(stride),
      pads: pads(pad),
      ceilMode,
    });
    return n;
  }

  avgpool(
    x: string,
    name: string,
    o: {
      kernel: number | Pair;
      stride: number | Pair;
      pad?: number | Pads;
      ceilMode: boolean;
      countIncludePad: boolean;
    },
  ): string {
    const n = this.unique(name);
    this.nodes.push({
      op: 'avgpool',
      name: n,
      inputs: [x],
      kernel: pair(o.kernel),
      stride: pair(o.stride),
      pads: pads(o.pad ?? 0),
      ceilMode: o.ceilMode,
      countIncludePad: o.countIncludePad,
    });
    return n;
  }

  globalAvgPool(x: string, name: string): string {
    const n = this.unique(name);
    this.nodes.push({ op: 'globalavgpool', name: n, inputs: [x] });
    return n;
  }

  flatten(x: string, name: string): string {
    const n = this.unique(name);
    this.nodes.push({ op: 'flatten', name: n, inputs: [x] });
    return n;
  }

  linear(x: string, prefix: string, inFeatures: number, outFeatures: number): string {
    const weight = this.param(`${prefix}.weight`, [outFeatures, inFeatures], 'linear_weight', inFeatures);
    const bias = this.param(`${prefix}.bias`, [outFeatures], 'linear_bias', inFeatures);
    const name = this.unique(prefix);
    this.nodes.push({ op: 'linear', name, inputs: [x], inFeatures, outFeatures, weight, bias });
    return name;
  }

  finish(output: string): Graph {
    return {
      name: this.name,
      input: this.input,
      inChannels: this.inChannels,
      output,
      nodes: this.nodes,
      params: this.params,
    };
  }
}

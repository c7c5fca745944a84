import type { Graph, GraphNode, Pads, Pair, ParamRole, ParamSpec } from './ir.js';

/**
 * Small helper that the lowering uses to emit nodes and their parameters with torchvision names.
 * `prefix` arguments are state_dict prefixes such as `layer1.0.conv1`.
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

  conv(
    x: string,
    prefix: string,
    o: {
      inChannels: number;
      outChannels: number;
      kernel: number;
      stride?: number;
      pad?: number;
      groups?: number;
      bias?: boolean;
    },
  ): string {
    const k = o.kernel;
    const s = o.stride ?? 1;
    const p = o.pad ?? 0;
    const g = o.groups ?? 1;
    const fanIn = (o.inChannels / g) * k * k;
    const weight = this.param(
      `${prefix}.weight`,
      [o.outChannels, o.inChannels / g, k, k],
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
      kernel: [k, k] as Pair,
      stride: [s, s] as Pair,
      pads: [p, p, p, p] as Pads,
      dilation: [1, 1] as Pair,
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

  maxpool(x: string, name: string, kernel: number, stride: number, pad: number): string {
    const n = this.unique(name);
    this.nodes.push({
      op: 'maxpool',
      name: n,
      inputs: [x],
      kernel: [kernel, kernel],
      stride: [stride, stride],
      pads: [pad, pad, pad, pad],
      ceilMode: false,
    });
    return n;
  }

  avgpool(
    x: string,
    name: string,
    o: { kernel: number; stride: number; ceilMode: boolean; countIncludePad: boolean },
  ): string {
    const n = this.unique(name);
    this.nodes.push({
      op: 'avgpool',
      name: n,
      inputs: [x],
      kernel: [o.kernel, o.kernel],
      stride: [o.stride, o.stride],
      pads: [0, 0, 0, 0],
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

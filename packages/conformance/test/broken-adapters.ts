import {
  type Adapter,
  type Conv2dNode,
  defineAdapter,
  type Graph,
  type GraphNode,
  referenceAdapter,
  runReference,
  traceReference,
  type Weights,
} from '@resblocks/spec';

/**
 * Deliberately wrong adapters, written on the adapter kit: the float64 reference run on a mutated
 * graph. Input and weight checks use the real graph, so only the numerics (or the resource
 * accounting) are broken.
 */
export type Mutation = (graph: Graph, weights: Weights) => { graph: Graph; weights: Weights };

function mapNodes(graph: Graph, f: (n: GraphNode) => GraphNode): Graph {
  return { ...graph, nodes: graph.nodes.map(f) };
}

const isStrided3x3 = (n: GraphNode): n is Conv2dNode =>
  n.op === 'conv2d' && n.kernel[0] === 3 && n.stride[0] === 2;

export const MUTATIONS: Record<string, Mutation> = {
  // TensorFlow-style 'SAME' padding for stride 2: (0, 1) instead of PyTorch's (1, 1).
  'wrong-padding': (graph, weights) => ({
    graph: mapNodes(graph, (n) => (isStrided3x3(n) ? { ...n, pads: [0, 0, 1, 1] } : n)),
    weights,
  }),
  'bn-eps-ignored': (graph, weights) => ({
    graph: mapNodes(graph, (n) => (n.op === 'batchnorm' ? { ...n, eps: 0 } : n)),
    weights,
  }),
  // The residual sum adds the branch to itself instead of the shortcut.
  'shortcut-dropped': (graph, weights) => ({
    graph: mapNodes(graph, (n) => (n.op === 'add' ? { ...n, inputs: [n.inputs[0]!, n.inputs[0]!] } : n)),
    weights,
  }),
  // Every group reads the first group's input channels.
  'groups-ignored': (graph, weights) => {
    const w = new Map(weights);
    const g = mapNodes(graph, (n) => {
      if (n.op !== 'conv2d' || n.groups === 1) return n;
      const t = weights.get(n.weight)!;
      const [o, icg, kh, kw] = t.shape as [number, number, number, number];
      const dense = new Float32Array(o * n.inChannels * kh * kw);
      for (let oc = 0; oc < o; oc++)
        dense.set(t.data.subarray(oc * icg * kh * kw, (oc + 1) * icg * kh * kw), oc * n.inChannels * kh * kw);
      w.set(n.weight, { shape: [o, n.inChannels, kh, kw], data: dense });
      return { ...n, groups: 1 };
    });
    return {
      graph: {
        ...g,
        params: g.params.map((p) => (w.get(p.name) ? { ...p, shape: w.get(p.name)!.shape } : p)),
      },
      weights: w,
    };
  },
  // Stride-2 windows start one pixel late.
  'off-by-one-stride': (graph, weights) => ({
    graph: mapNodes(graph, (n) => (isStrided3x3(n) ? { ...n, pads: [0, 0, 2, 2] } : n)),
    weights,
  }),
};

export function brokenAdapter(name: keyof typeof MUTATIONS | 'leaking-resources'): Adapter {
  return name === 'leaking-resources'
    ? mutatedAdapter(name, (graph, weights) => ({ graph, weights }), true)
    : mutatedAdapter(name, MUTATIONS[name]!);
}

/** The float64 reference running `mutation` of every graph it compiles (and, with `leak`, never releasing). */
export function mutatedAdapter(name: string, mutation: Mutation, leak = false): Adapter {
  let buffers = 0;
  return defineAdapter(`broken-${name}`, {
    backends: [
      {
        name: 'float64',
        api: 'cpu',
        environments: ['node', 'browser'],
        description: `the float64 reference, broken: ${name}`,
        capabilities: referenceAdapter.capabilities('float64'),
        open: async () => undefined,
        async build(_device, graph, weights) {
          const mutated = mutation(graph, weights);
          buffers++;
          return {
            async run(input, { trace }) {
              if (!trace) return Float32Array.from(runReference(mutated.graph, mutated.weights, input).data);
              // Traced like the reference, so the trace cases see the break node by node.
              const values = traceReference(mutated.graph, mutated.weights, input, trace);
              const f32 = (name: string) => Float32Array.from(values.get(name)!.data);
              return { output: f32(graph.output), values: new Map(trace.map((n) => [n, f32(n)])) };
            },
            // The leaking adapter forgets to release what build() took.
            release: async () => {
              if (!leak) buffers--;
            },
            info: () => ({ backend: 'float64' }),
          };
        },
      },
    ],
    // The mutations act on the graph as written (folding would remove the BNs one of them breaks).
    foldBatchNormByDefault: false,
    serialize: 'none',
    counters: () => ({ buffers }),
  });
}

import {
  type Adapter,
  type CompiledModel,
  type Conv2dNode,
  checkRunInput,
  disposedError,
  type Graph,
  type GraphNode,
  referenceAdapter,
  runReference,
  validateWeights,
  type Weights,
} from '@resblocks/spec';

/**
 * Deliberately wrong adapters: the float64 reference run on a mutated graph. Input and weight
 * checks use the real graph, so only the numerics (or the resource accounting) are broken.
 */
type Mutation = (graph: Graph, weights: Weights) => { graph: Graph; weights: Weights };

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
  let live = 0;
  return {
    ...referenceAdapter,
    id: `broken-${name}`,
    async compile(graph, weights, options) {
      const valid = validateWeights(graph, weights);
      const mutated =
        name === 'leaking-resources' ? { graph, weights: valid } : MUTATIONS[name]!(graph, valid);
      let disposed = false;
      live++;
      const model: CompiledModel = {
        backend: `broken-${name}:${options.backend}`,
        graph,
        async run(input) {
          if (disposed) throw disposedError(model.backend);
          checkRunInput(graph, input);
          const y = runReference(mutated.graph, mutated.weights, input);
          return { shape: y.shape, data: Float32Array.from(y.data) };
        },
        async dispose() {
          // The leaking adapter forgets to release what compile() took.
          if (!disposed && name !== 'leaking-resources') live--;
          disposed = true;
        },
        info: () => ({ backend: options.backend }),
      };
      return model;
    },
    async resources() {
      return { models: live };
    },
  };
}

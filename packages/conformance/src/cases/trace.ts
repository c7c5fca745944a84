import {
  compareTrace,
  foldBatchNorm,
  type Graph,
  type GraphNode,
  initWeights,
  lowerNetwork,
  NETWORKS,
  referenceActivations,
  seededInput,
} from '@resblocks/spec';
import { CaseFailure } from '../check.js';
import { traceAgainstReference } from '../divergence.js';
import type { CaseGroup, ConformanceCase } from '../types.js';

/** Three stages of one small block each: every kind of node, few enough values for software GPUs. */
export const TRACE_NETWORK: Graph = lowerNetwork({
  ...NETWORKS.resnet8_cifar!,
  name: 'trace_resnet',
  widths: [4, 8, 16],
  numClasses: 5,
});
const SHAPE = [1, 3, 12, 12] as const;

const materials = () => ({ weights: initWeights(TRACE_NETWORK, 3), input: seededInput([...SHAPE], 4) });

function mutate(graph: Graph, name: string, change: (n: GraphNode) => GraphNode): Graph {
  if (!graph.nodes.some((n) => n.name === name)) throw new Error(`no node '${name}' to break`);
  return { ...graph, nodes: graph.nodes.map((n) => (n.name === name ? change(n) : n)) };
}

/** Every node traced and within its budget, and the traced model still runs untraced. */
const everyNode: ConformanceCase = {
  id: 'trace/every-node',
  group: 'trace',
  capability: 'networks',
  async run(ctx) {
    const { weights, input } = materials();
    const c = await traceAgainstReference(ctx, TRACE_NETWORK, weights, input);
    const built = foldBatchNorm(TRACE_NETWORK, weights).graph.nodes.length;
    if (c.rows.length !== built && c.rows.length !== TRACE_NETWORK.nodes.length)
      throw new CaseFailure(`traced ${c.rows.length} values; the graph has ${built} nodes once BN is folded`);
    if (c.firstOver) throw new CaseFailure(c.verdict, c.firstOver.fraction ?? undefined);
    return { fraction: c.worst?.fraction ?? 0 };
  },
};

/** Names chosen at compile (unfolded, so convolutions keep their own values), a subset at run. */
const chosenNames: ConformanceCase = {
  id: 'trace/chosen-names-unfolded',
  group: 'trace',
  capability: 'networks',
  async run(ctx) {
    const { weights, input } = materials();
    const names = ['layer2.0.conv1', 'layer2.0.bn1', 'layer2.0.relu', 'layer3.0', 'fc'];
    const model = await ctx.compile(TRACE_NETWORK, weights, { foldBatchNorm: false, trace: names });
    try {
      const all = await model.run(input);
      const got = (all.trace ?? []).map((v) => v.module);
      if (String(got) !== String(names))
        throw new CaseFailure(`traced ${got.join(', ')}; asked for ${names}`);
      const c = compareTrace(all.trace!, referenceActivations(TRACE_NETWORK, weights, input), {
        graph: TRACE_NETWORK,
        dtype: ctx.dtype,
        backend: ctx.id,
        against: 'reference:float64',
      });
      if (c.firstOver) throw new CaseFailure(c.verdict, c.firstOver.fraction ?? undefined);
      const some = await model.run(input, { trace: ['layer3.0'] });
      if (some.trace?.length !== 1 || some.trace[0]!.module !== 'layer3.0')
        throw new CaseFailure('a run asking for layer3.0 alone did not return it alone');
      if ((await model.run(input, { trace: false })).trace)
        throw new CaseFailure('a run with trace: false returned a trace');
      return { fraction: c.worst?.fraction ?? 0 };
    } finally {
      await model.dispose();
    }
  },
};

/**
 * The backend runs the graph with one middle node broken; tracing it against the intact graph's
 * reference must name exactly that node (the nodes before it in budget, it over). A folded
 * convolution's value is its BN's, so there the BN is named.
 */
function locates(id: string, node: string, change: (n: GraphNode) => GraphNode): ConformanceCase {
  return {
    id: `trace/locates-${id}`,
    group: 'trace',
    capability: 'networks',
    async run(ctx) {
      const { weights, input } = materials();
      const broken = mutate(TRACE_NETWORK, node, change);
      const c = await traceAgainstReference(ctx, TRACE_NETWORK, weights, input, broken);
      const expected = c.rows.find((r) => r.node === node || r.folded === node)?.module ?? node;
      if (c.firstOver?.module !== expected)
        throw new CaseFailure(`expected the first node over budget to be ${expected}: ${c.verdict}`);
      const before = c.rows
        .slice(0, c.rows.indexOf(c.firstOver))
        .reduce((w, r) => Math.max(w, r.fraction ?? 0), 0);
      return { fraction: before };
    },
  };
}

export const traceGroup: CaseGroup = {
  name: 'trace',
  cases: (): ConformanceCase[] => [
    everyNode,
    chosenNames,
    // Off by one: layer3's stride-2 convolution pads (0, 0, 2, 2) instead of 1 on every side.
    locates('padding-layer3', 'layer3.0.conv1', (n) => ({ ...n, pads: [0, 0, 2, 2] }) as GraphNode),
    // layer2.0's sum adds its branch to itself instead of the shortcut.
    locates('residual-layer2', 'layer2.0.add', (n) => ({ ...n, inputs: [n.inputs[0]!, n.inputs[0]!] })),
  ],
};

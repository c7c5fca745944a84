import {
  type Adapter,
  blockContract,
  compareTensors,
  errorModel,
  type Graph,
  GraphBuilder,
  initWeights,
  lowerBlock,
  lowerNetwork,
  NETWORKS,
  runReference,
  seededInput,
} from '@resblocks/spec';
import { CaseFailure } from './check.js';

/** conv -> ReLU -> max pool as the output: a pooled NaN shows, not only its spread to the logits. */
function stem(): Graph {
  const b = new GraphBuilder('stem', 'x', 3);
  const c = b.conv('x', 'conv1', { inChannels: 3, outChannels: 4, kernel: 1 });
  return b.finish(b.maxpool(b.relu(c, 'relu'), 'maxpool', 3, 2, 1));
}

// A max pool as the output, a whole stem (conv, max pool, ... logits), and a block whose second
// conv sums +Inf and -Inf.
const graphs = (): { graph: Graph; shape: number[] }[] => [
  { graph: stem(), shape: [1, 3, 16, 16] },
  {
    graph: lowerNetwork({ ...NETWORKS.resnet18!, name: 'nan_net', layers: [1], widths: [8], numClasses: 3 }),
    shape: [1, 3, 16, 16],
  },
  { graph: lowerBlock(blockContract({ kind: 'basic', planes: 4 })), shape: [1, 4, 6, 6] },
];

/** Each NaN/+Inf/-Inf case and whether the backend propagates it as PyTorch (the reference) does. */
async function nonFiniteResults(adapter: Adapter, backend: string): Promise<[string, boolean][]> {
  const results: [string, boolean][] = [];
  for (const { graph, shape } of graphs()) {
    const weights = initWeights(graph, 1);
    const model = await adapter.compile(graph, weights, { backend });
    try {
      for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const x = seededInput(shape, 2);
        x.data[37] = v;
        const out = await model.run(x);
        const ref = runReference(graph, weights, x);
        results.push([
          `${graph.name} ${v}`,
          compareTensors(out.data, ref.data, 'float32', errorModel(graph)).pass,
        ]);
      }
    } finally {
      await model.dispose();
    }
  }
  return results;
}

/**
 * An adapter's nonFinite capability is honest both ways: claimed, every case propagates NaN and
 * Inf as PyTorch does; not claimed, at least one case shows why. Throws a CaseFailure otherwise.
 */
export async function checkNonFiniteClaim(adapter: Adapter, backend: string): Promise<void> {
  const claim = adapter.capabilities(backend).nonFinite;
  const results = await nonFiniteResults(adapter, backend);
  const failed = results.filter(([, pass]) => !pass).map(([id]) => id);
  if (claim === true && failed.length)
    throw new CaseFailure(`${adapter.id}:${backend} claims nonFinite but fails ${failed.join(', ')}`);
  if (claim !== true && !failed.length)
    throw new CaseFailure(`${adapter.id}:${backend} claims '${claim}' but every case passed`);
}

import {
  blockContract,
  compareTensors,
  errorModel,
  GraphBuilder,
  initWeights,
  lowerBlock,
  lowerNetwork,
  NETWORKS,
  runReference,
  seededInput,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { gpujsAdapter } from '../src/index.js';

const webgpu = await gpujsAdapter.probe('webgpu');

/** conv -> ReLU -> max pool as the output: a pooled NaN shows, not only its spread to the logits. */
function stem() {
  const b = new GraphBuilder('stem', 'x', 3);
  const c = b.conv('x', 'conv1', { inChannels: 3, outChannels: 4, kernel: 1 });
  return b.finish(b.maxpool(b.relu(c, 'relu'), 'maxpool', 3, 2, 1));
}

// A max pool as the output, a whole stem (conv, max pool, ... logits), and a block whose second
// conv sums +Inf and -Inf.
const graphs = [
  { graph: stem(), shape: [1, 3, 16, 16] },
  {
    graph: lowerNetwork({ ...NETWORKS.resnet18!, name: 'nan_net', layers: [1], widths: [8], numClasses: 3 }),
    shape: [1, 3, 16, 16],
  },
  { graph: lowerBlock(blockContract({ kind: 'basic', planes: 4 })), shape: [1, 4, 6, 6] },
];

/** Whether each NaN/+Inf/-Inf case matches PyTorch's propagation (the reference). */
async function nonFiniteResults(backend: string): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const { graph, shape } of graphs) {
    const weights = initWeights(graph, 1);
    const model = await gpujsAdapter.compile(graph, weights, { backend });
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const x = seededInput(shape, 2);
      x.data[37] = v;
      const out = await model.run(x);
      results.push(
        compareTensors(out.data, runReference(graph, weights, x).data, 'float32', errorModel(graph)).pass,
      );
    }
    await model.dispose();
  }
  return results;
}

describe('the nonFinite capability is honest both ways', () => {
  for (const backend of ['webasm', 'cpu', 'webgpu'] as const) {
    it.skipIf(backend === 'webgpu' && !webgpu.available)(backend, async () => {
      const claim = gpujsAdapter.capabilities(backend).nonFinite;
      const results = await nonFiniteResults(backend);
      if (claim === true) expect(results.every(Boolean), JSON.stringify(results)).toBe(true);
      else
        expect(
          results.some((r) => !r),
          `claims '${claim}' but every case passed`,
        ).toBe(true);
    });
  }
});

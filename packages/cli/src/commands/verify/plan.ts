import { type Graph, minInputSize, NETWORK_NAMES, networkGraph } from '@resblocks/spec';
import { usageError } from '../../cli-error.js';
import { fixtureNetworks, type ReferenceNetwork } from '../../conformance.js';
import { FULL_NETWORKS, FULL_SIZE, type VerifyOptions } from './options.js';

function referenceSize(graph: Graph, full: boolean): number {
  if (full) return FULL_SIZE;
  const cifar = graph.nodes.filter((n) => n.op === 'maxpool').length === 0;
  return Math.max(cifar ? 32 : 64, minInputSize(graph));
}

/** Which networks run on their PyTorch fixtures, and which against the float64 reference. */
export async function plan(options: Pick<VerifyOptions, 'models' | 'full'>): Promise<{
  networks: string[] | undefined;
  referenceNets: ReferenceNetwork[];
}> {
  const { models, full } = options;
  for (const m of models ?? []) {
    if (!NETWORK_NAMES.includes(m)) {
      throw usageError(
        `unknown model '${m}'; known models: ${NETWORK_NAMES.join(', ')}`,
        'Pick models from the list',
      );
    }
  }
  const withFixtures = await fixtureNetworks();
  let networks: string[] | undefined;
  const refNames: string[] = [];
  if (models) {
    networks = models.filter((m) => withFixtures.includes(m));
    // Without fixtures a model is still checked, against the float64 reference; --full adds 224x224.
    refNames.push(...models.filter((m) => full || !withFixtures.includes(m)));
  } else if (full) {
    networks = withFixtures;
    refNames.push(...FULL_NETWORKS);
  }
  const referenceNets = [...new Set(refNames)].map((name) => ({
    name,
    size: referenceSize(networkGraph(name), full),
  }));
  return { networks, referenceNets };
}

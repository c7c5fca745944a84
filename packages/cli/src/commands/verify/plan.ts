import {
  type Adapter,
  compareTensors,
  describeComparison,
  errorModel,
  type Graph,
  initWeights,
  minInputSize,
  NETWORK_NAMES,
  networkGraph,
  runReference,
  seededInput,
  type Tensor64,
} from '@resblocks/spec';
import { usageError } from '../../cli-error.js';
import { type CaseResult, fixtureNetworks } from '../../conformance.js';
import { FULL_NETWORKS, FULL_SIZE, type VerifyOptions } from './options.js';

/** A whole network compared with the float64 reference at one input size. */
export interface ReferenceNet {
  name: string;
  size: number;
}

function referenceSize(graph: Graph, full: boolean): number {
  if (full) return FULL_SIZE;
  const cifar = graph.nodes.filter((n) => n.op === 'maxpool').length === 0;
  return Math.max(cifar ? 32 : 64, minInputSize(graph));
}

/** Which networks run on their PyTorch fixtures, and which against the float64 reference. */
export async function plan(options: Pick<VerifyOptions, 'models' | 'full'>): Promise<{
  networks: string[] | undefined;
  referenceNets: ReferenceNet[];
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

/** Float64 reference outputs, computed once per network and shared by every backend. */
export class ReferenceCache {
  private readonly cache = new Map<string, Tensor64>();
  get(net: ReferenceNet, graph: Graph): Tensor64 {
    const key = `${net.name}@${net.size}`;
    let y = this.cache.get(key);
    if (!y) {
      y = runReference(
        graph,
        initWeights(graph, 1),
        seededInput([1, graph.inChannels, net.size, net.size], 1),
      );
      this.cache.set(key, y);
    }
    return y;
  }
}

/** A whole network at `size` on one backend against the float64 reference. */
export async function referenceNetworkCase(
  adapter: Adapter,
  backend: string,
  net: ReferenceNet,
  cache: ReferenceCache,
): Promise<CaseResult> {
  const id = `reference-network/${net.name}@${net.size}`;
  const base = { id, group: 'reference-networks', backend: `${adapter.id}:${backend}` as const };
  if (adapter.id === 'reference') {
    return {
      ...base,
      status: 'skip',
      fraction: null,
      durationMs: 0,
      message: 'the float64 reference is the oracle of this case',
    };
  }
  const t0 = performance.now();
  try {
    const graph = networkGraph(net.name);
    const expected = cache.get(net, graph);
    const t1 = performance.now();
    const model = await adapter.compile(graph, initWeights(graph, 1), { backend });
    try {
      const y = await model.run(seededInput([1, graph.inChannels, net.size, net.size], 1));
      const c = compareTensors(y.data, expected.data, adapter.dtype(backend), errorModel(graph));
      const durationMs = performance.now() - t1;
      return c.pass
        ? { ...base, status: 'pass', fraction: c.fraction, durationMs }
        : { ...base, status: 'fail', fraction: c.fraction, durationMs, message: describeComparison(c) };
    } finally {
      await model.dispose();
    }
  } catch (e) {
    const err = e as Error;
    return {
      ...base,
      status: 'fail',
      fraction: null,
      durationMs: performance.now() - t0,
      message: `${err.name}: ${err.message}`,
    };
  }
}

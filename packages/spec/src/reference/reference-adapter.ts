import type { Adapter, CompiledModel } from '../adapter/contract.js';
import { checkRunInput, disposedError } from '../adapter/run-input.js';
import { validateWeights } from '../weights/weights.js';
import { runReference } from './reference.js';

let live = 0;

/** The float64 reference behind the adapter contract, as `reference:float64`. */
export const referenceAdapter: Adapter = {
  id: 'reference',
  backends: [
    {
      name: 'float64',
      api: 'cpu',
      environments: ['node', 'browser'],
      description: 'The spec float64 reference (slow; the oracle)',
    },
  ],
  async probe(backend) {
    return backend === 'float64'
      ? { available: true, device: 'cpu' }
      : { available: false, reason: `reference has only the float64 backend, not '${backend}'` };
  },
  capabilities: () => ({
    determinism: true,
    concurrency: true,
    nonFinite: true,
    resourceCounters: true,
    networks: true,
  }),
  // Computed in float64, returned as float32 like every backend: judged on the float32 budget.
  dtype: () => 'float32',
  async compile(graph, weights, options) {
    const w = validateWeights(graph, weights);
    let disposed = false;
    live++;
    const model: CompiledModel = {
      backend: `reference:${options.backend}`,
      graph,
      async run(input) {
        if (disposed) throw disposedError(model.backend);
        checkRunInput(graph, input);
        const y = runReference(graph, w, input);
        return { shape: y.shape, data: Float32Array.from(y.data) };
      },
      async dispose() {
        if (!disposed) live--;
        disposed = true;
      },
      info: () => ({ backend: 'float64' }),
    };
    return model;
  },
  async resources() {
    return { models: live };
  },
};

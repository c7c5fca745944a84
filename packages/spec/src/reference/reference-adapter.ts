import { defineAdapter } from '../adapter/kit.js';
import { runReference, traceReference } from './reference.js';

/**
 * The float64 reference behind the adapter contract, as `reference:float64`. Written only against
 * the adapter kit, it is also the smallest complete example of an adapter.
 */
export const referenceAdapter = defineAdapter('reference', {
  backends: [
    {
      name: 'float64',
      api: 'cpu',
      environments: ['node', 'browser'],
      description: 'The spec float64 reference (slow; the oracle)',
      capabilities: {
        determinism: true,
        concurrency: true,
        nonFinite: true,
        resourceCounters: true,
        networks: true,
        gpuTensors: 'the float64 reference runs in CPU memory',
      },
      // Computed in float64, returned as float32 like every backend: judged on the float32 budget.
      dtype: () => 'float32',
      open: async () => undefined,
      async build(_device, graph, weights) {
        return {
          async run(input, { trace }) {
            if (!trace) return Float32Array.from(runReference(graph, weights, input).data);
            const values = traceReference(graph, weights, input, trace);
            const f32 = (name: string) => Float32Array.from(values.get(name)!.data);
            return {
              output: f32(graph.output),
              values: new Map(trace.map((name) => [name, f32(name)])),
            };
          },
          release: async () => {},
          info: () => ({ backend: 'float64' }),
        };
      },
    },
  ],
  // The oracle runs the graph exactly as written.
  foldBatchNormByDefault: false,
  serialize: 'none',
});

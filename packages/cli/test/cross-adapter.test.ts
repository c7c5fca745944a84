import {
  type Adapter,
  type CompiledModel,
  initWeights,
  networkGraph,
  parseBackendId,
  type ResourceCounters,
  seededInput,
  type Tensor,
} from '@resblocks/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAdapters, usable } from '../src/adapters.js';

/**
 * Models of different adapters alive at once, run concurrently in one process, give exactly what
 * each gives alone. Two tfjs backends are among them: tfjs keeps one global active backend, so
 * their runs must not switch it under each other. The suite's concurrency cases cover one model.
 */
const BACKENDS = ['tfjs:wasm', 'tfjs:cpu', 'onnx-web:wasm', 'gpujs:webasm', 'reference:float64'];
const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 3);
const adapters = usable(await loadAdapters());

interface Live {
  id: string;
  adapter: Adapter;
  backend: string;
  model: CompiledModel;
  /** Each model gets its own inputs, so a result computed from another model's input shows. */
  inputs: Tensor[];
  alone: Float32Array[];
}

const live: Live[] = [];
const before = new Map<string, ResourceCounters>();

afterAll(async () => {
  for (const m of live) await m.model.dispose();
});

describe('models of several adapters in one process', () => {
  it('compile side by side', async () => {
    const resolved = BACKENDS.map((id) => {
      const { adapter: adapterId, backend } = parseBackendId(id)!;
      const adapter = adapters.find((a) => a.id === adapterId);
      expect(adapter, `${adapterId} is loaded`).toBeDefined();
      return { id, adapter: adapter!, backend };
    });
    for (const { id, adapter, backend } of resolved) {
      const probe = await adapter.probe(backend);
      expect(probe.available, `${id}: ${probe.reason}`).toBe(true);
      before.set(id, await adapter.resources(backend));
    }
    for (const [i, { id, adapter, backend }] of resolved.entries()) {
      const model = await adapter.compile(graph, weights, { backend });
      const inputs = [0, 1].map((k) => seededInput([1, 3, 16, 16], 100 + 10 * i + k));
      live.push({ id, adapter, backend, model, inputs, alone: [] });
    }
  });

  it('run one at a time, then all at once, with identical results', async () => {
    for (const m of live) {
      for (const x of m.inputs) m.alone.push((await m.model.run(x)).data);
    }
    // Two rounds of every model on every input, all in flight together.
    const jobs = [0, 1].flatMap((round) =>
      live.flatMap((m) => m.inputs.map(async (x, k) => ({ m, k, round, y: (await m.model.run(x)).data }))),
    );
    const results = await Promise.all(jobs);
    expect(results).toHaveLength(2 * 2 * live.length);
    for (const { m, k, round, y } of results) {
      const alone = m.alone[k]!;
      let differing = 0;
      for (let i = 0; i < y.length; i++) if (!Object.is(y[i], alone[i])) differing++;
      expect(differing, `${m.id} input ${k} round ${round}: values differing from the run alone`).toBe(0);
      expect(y.length).toBe(alone.length);
    }
    // The inputs differ, so the outputs must too (a model answering with another's result would not).
    for (const m of live) expect(m.alone[0]).not.toEqual(m.alone[1]);
  });

  it('release everything they held when disposed', async () => {
    const disposed = live.splice(0);
    for (const m of disposed) await m.model.dispose();
    // Counters are per adapter (tfjs's are shared by its backends): compared once all are gone.
    for (const m of disposed) expect(await m.adapter.resources(m.backend), m.id).toEqual(before.get(m.id));
  });
});

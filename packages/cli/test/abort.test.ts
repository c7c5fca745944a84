import { initWeights, isResblocksError, networkGraph, parseBackendId, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { loadAdapters, offMainThread, usable } from '../src/adapters.js';

/**
 * run(input, { signal }): a long run (batch 16 at 224) abandoned through its AbortSignal rejects
 * with ABORTED promptly, and the model stays usable with nothing leaked.
 *
 * `stopsEarly: false` marks a backend whose engine computes the whole forward pass in one
 * synchronous call: the abort cannot even be delivered before the pass ends, so the prompt
 * rejection is an expected failure there (it.fails); it flips to a failure of this test once the
 * engine checks the signal between layers, and then the flag goes. `run` and `bench` compile wasm
 * backends in a worker (`offMainThread`), which ends the worker to abort: that one stops early.
 */
const BACKENDS = [
  { id: 'tfjs:wasm', how: 'on the main thread', stopsEarly: false, hosted: false },
  { id: 'tfjs:wasm', how: 'in a worker', stopsEarly: true, hosted: true },
];
const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 0);
const long = seededInput([16, 3, 224, 224], 1);
const small = seededInput([1, 3, 32, 32], 2);
const adapters = usable(await loadAdapters());
/** How soon after abort() the run must reject. */
const PROMPT_MS = 500;

function adapterFor(id: string, hosted: boolean) {
  const { adapter, backend } = parseBackendId(id)!;
  const local = adapters.find((a) => a.id === adapter)!;
  return { adapter: hosted ? offMainThread(local, backend) : local, backend };
}

describe.each(BACKENDS)(
  'run() abandoned through an AbortSignal on $id $how',
  ({ id, stopsEarly, hosted }) => {
    (stopsEarly ? it : it.fails)(
      `a batch of 16 at 224 rejects with ABORTED within ${PROMPT_MS} ms of the abort`,
      async () => {
        const { adapter, backend } = adapterFor(id, hosted);
        const model = await adapter.compile(graph, weights, { backend });
        try {
          await model.run(small); // warm: the long run below is all compute
          const controller = new AbortController();
          let abortedAt = 0;
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort(new Error('the user gave up'));
          }, 100);
          const scheduled = performance.now() + 100;
          const outcome = await model.run(long, { signal: controller.signal }).then(
            () => 'resolved',
            (e: unknown) => (isResblocksError(e, 'ABORTED') ? 'ABORTED' : String(e)),
          );
          const late = performance.now() - Math.max(abortedAt, scheduled);
          expect(outcome).toBe('ABORTED');
          expect(late).toBeLessThan(PROMPT_MS);
        } finally {
          await model.dispose();
        }
      },
      120_000,
    );

    it('after an abort the model stays usable and holds nothing more', async () => {
      const { adapter, backend } = adapterFor(id, hosted);
      const before = await adapter.resources(backend);
      const model = await adapter.compile(graph, weights, { backend });
      const expected = await model.run(small);
      const compiled = await adapter.resources(backend);
      // Aborted before it starts, and aborted while queued behind another run.
      const early = new AbortController();
      early.abort();
      await expect(model.run(small, { signal: early.signal })).rejects.toMatchObject({ code: 'ABORTED' });
      const queued = new AbortController();
      const ahead = model.run(small);
      const behind = model.run(small, { signal: queued.signal });
      queued.abort();
      await expect(behind).rejects.toMatchObject({ code: 'ABORTED' });
      await ahead;
      expect(Array.from((await model.run(small)).data)).toEqual(Array.from(expected.data));
      expect(await adapter.resources(backend)).toEqual(compiled);
      await model.dispose();
      expect(await adapter.resources(backend)).toEqual(before);
    });
  },
);

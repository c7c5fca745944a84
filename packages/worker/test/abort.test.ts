import { onnxWebAdapter } from '@resblocks/onnx-web';
import { initWeights, isResblocksError, networkGraph, seededInput } from '@resblocks/spec';
import { hostAdapter } from '@resblocks/worker';
import { expect, it } from 'vitest';

// A pass of seconds that wasm cannot interrupt: on the plain adapter the abort lands after it.
it('aborting a long wasm pass rejects within 0.5 s, and the next run gives the same result', async () => {
  const host = hostAdapter(onnxWebAdapter);
  const graph = networkGraph('resnet50');
  const x = seededInput([2, 3, 224, 224], 1);
  const model = await host.compile(graph, initWeights(graph, 0), { backend: 'wasm' });
  try {
    const first = await model.run(x);
    const controller = new AbortController();
    const run = model.run(x, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    controller.abort();
    const e = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    const latency = performance.now() - t;
    expect(isResblocksError(e, 'ABORTED')).toBe(true);
    expect(latency).toBeLessThan(500);
    const again = await model.run(x);
    expect(again.data.every((v, i) => Object.is(v, first.data[i]))).toBe(true);
  } finally {
    await model.dispose();
    host.terminateWorkers();
  }
}, 120_000);

import { initWeights, isResblocksError, networkGraph, type Tensor } from '@resblocks/spec';
import { hostAdapter } from '@resblocks/worker';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript fixture, imported here only for its descriptor
import { crashingAdapter } from './fixtures/crashing-adapter.mjs';

const host = hostAdapter(crashingAdapter, {
  module: new URL('./fixtures/crashing-adapter.mjs', import.meta.url).href,
  exportName: 'crashingAdapter',
});
const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 0);
const input = (first: number): Tensor => {
  const data = new Float32Array(3 * 8 * 8);
  data[0] = first;
  return { shape: [1, 3, 8, 8], data };
};

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e) => (isResblocksError(e) ? e.code : String(e)),
  );
}

describe('a worker that fails', () => {
  it('crashing in a run gives WORKER_FAILED, and the next run works in a fresh worker', async () => {
    const model = await host.compile(graph, weights, { backend: 'cpu' });
    expect((await model.run(input(0))).shape).toEqual([1, 10]);
    expect(await code(model.run(input(-1)))).toBe('WORKER_FAILED');
    expect((await model.run(input(0))).shape).toEqual([1, 10]);
    await model.dispose();
  });

  it('ended from outside while computing gives WORKER_FAILED, and the host recovers', async () => {
    const model = await host.compile(graph, weights, { backend: 'cpu' });
    const hung = model.run(input(-2));
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    host.terminateWorkers();
    expect(await code(hung)).toBe('WORKER_FAILED');
    expect(performance.now() - t).toBeLessThan(500);
    expect((await model.run(input(0))).shape).toEqual([1, 10]);
    expect(await host.resources('cpu')).toMatchObject({ models: 1 });
    await model.dispose();
    expect(await host.resources('cpu')).toMatchObject({ models: 0 });
  });

  it('aborting a pass that never yields rejects with ABORTED at once', async () => {
    const model = await host.compile(graph, weights, { backend: 'cpu' });
    const controller = new AbortController();
    const hung = model.run(input(-2), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    controller.abort();
    expect(await code(hung)).toBe('ABORTED');
    expect(performance.now() - t).toBeLessThan(500);
    expect((await model.run(input(0))).shape).toEqual([1, 10]);
    await model.dispose();
  });

  it('keeps typed errors across the boundary', async () => {
    const partial = new Map([...weights].slice(1));
    const e = await host.compile(graph, partial, { backend: 'cpu' }).catch((err: unknown) => err);
    expect(isResblocksError(e, 'WEIGHTS_MISSING')).toBe(true);
    expect((e as { details: Record<string, unknown> }).details).toBeTypeOf('object');
  });

  it('copies the input by default and moves it with transfer: true', async () => {
    const model = await host.compile(graph, weights, { backend: 'cpu' });
    const x = input(0);
    await model.run(x);
    expect(x.data.length).toBe(192);
    await model.run(x, { transfer: true });
    expect(x.data.length).toBe(0);
    await model.dispose();
  });
});

it('a run aborted while queued behind a long one rejects at once and leaves it running', async () => {
  const model = await host.compile(graph, weights, { backend: 'cpu' });
  const controller = new AbortController();
  const ahead = model.run(input(-2));
  const behind = model.run(input(0), { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 50));
  const t = performance.now();
  controller.abort();
  expect(await code(behind)).toBe('ABORTED');
  expect(performance.now() - t).toBeLessThan(500);
  const settled = ahead.then(
    () => 'settled',
    () => 'settled',
  );
  expect(await Promise.race([settled, new Promise((r) => setTimeout(() => r('pending'), 100))])).toBe(
    'pending',
  );
  host.terminateWorkers();
  expect(await code(ahead)).toBe('WORKER_FAILED');
  await model.dispose();
});

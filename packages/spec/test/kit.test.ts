import { describe, expect, it } from 'vitest';
import {
  blockContract,
  defineAdapter,
  type EngineBackend,
  type EngineModel,
  initWeights,
  lowerBlock,
  ResblocksError,
  runReference,
  seededInput,
} from '../src/index.js';
import { expectRejection } from './expect-error.js';

const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'kit');
const weights = initWeights(graph, 3);
const input = seededInput([1, 4, 5, 5], 7);

const CAPS = {
  determinism: true,
  concurrency: true,
  nonFinite: true,
  resourceCounters: true,
  networks: true,
  gpuTensors: 'a plain-JS test engine',
} as const;

/** A plain-JS engine computing with the reference, with switches to misbehave. */
function engine(overrides: Partial<EngineBackend<{ opened: number }>> = {}, run?: EngineModel['run']) {
  let opens = 0;
  const backend: EngineBackend<{ opened: number }> = {
    name: 'js',
    api: 'cpu',
    environments: ['node', 'browser'],
    description: 'test engine',
    capabilities: CAPS,
    open: async () => ({ opened: ++opens }),
    async build(_d, g, w) {
      return {
        run: run ?? (async (x) => Float32Array.from(runReference(g, w, x).data)),
        release: async () => {},
        info: () => ({ backend: 'js' }),
      };
    },
    ...overrides,
  };
  return { backend, opens: () => opens };
}

describe('defineAdapter', () => {
  it('runs a model and counts it until disposed', async () => {
    const a = defineAdapter('kit', { backends: [engine().backend] });
    const m = await a.compile(graph, weights, { backend: 'js' });
    expect(m.backend).toBe('kit:js');
    expect((await a.resources('js')).models).toBe(1);
    const y = await m.run(input);
    const ref = runReference(graph, weights, input);
    expect(y.shape).toEqual(ref.shape);
    expect(Math.max(...y.data.map((v, i) => Math.abs(v - ref.data[i]!)))).toBeLessThan(1e-4);
    expect(m.info()).toMatchObject({ backend: 'js', foldBatchNorm: true });
    await m.dispose();
    expect((await a.resources('js')).models).toBe(0);
    await expectRejection(m.run(input), 'DISPOSED');
  });

  it('names unknown backends, in compile and in probe', async () => {
    const a = defineAdapter('kit', { backends: [engine().backend] });
    const e = await expectRejection(a.compile(graph, weights, { backend: 'gpu' }), 'UNKNOWN_BACKEND');
    expect(e.message).toContain("kit has no backend 'gpu'; its backends are js");
    expect(() => a.capabilities('gpu')).toThrow(/no backend 'gpu'/);
    expect(await a.probe('gpu')).toMatchObject({ available: false, reason: expect.stringContaining('js') });
  });

  it('probes never throw, and a failed open is retried', async () => {
    let fail = true;
    const { backend } = engine({
      open: async () => {
        if (fail) throw new Error('driver missing');
        return { opened: 1 };
      },
      describe: () => ({ device: 'gpu', info: { vendor: 'x' } }),
    });
    const a = defineAdapter('kit', { backends: [backend] });
    expect(await a.probe('js')).toEqual({ available: false, reason: 'driver missing' });
    const e = await expectRejection(a.compile(graph, weights, { backend: 'js' }), 'BACKEND_UNAVAILABLE');
    expect(e.message).toBe('kit:js is unavailable: driver missing');
    fail = false;
    expect(await a.probe('js')).toEqual({ available: true, device: 'gpu', info: { vendor: 'x' } });
  });

  it('refuses a backend outside its environments', async () => {
    const { backend } = engine({ environments: ['browser'] });
    const a = defineAdapter('kit', { backends: [backend] });
    expect((await a.probe('js')).reason).toBe('kit:js runs only in browser, not in Node');
    await expectRejection(a.compile(graph, weights, { backend: 'js' }), 'BACKEND_UNAVAILABLE');
  });

  it('validates weights before the engine is opened', async () => {
    const e = engine();
    const a = defineAdapter('kit', { backends: [e.backend] });
    const broken = new Map(weights);
    broken.delete([...weights.keys()][0]!);
    await expectRejection(a.compile(graph, broken, { backend: 'js' }), 'WEIGHTS_MISSING');
    expect(e.opens()).toBe(0);
  });

  it('turns engine failures into BACKEND_FAILED and checks the output size', async () => {
    const throwing = defineAdapter('kit', {
      backends: [
        engine({}, async () => {
          throw new Error('kernel exploded');
        }).backend,
      ],
    });
    const m = await throwing.compile(graph, weights, { backend: 'js' });
    const e = await expectRejection(m.run(input), 'BACKEND_FAILED');
    expect(e.message).toBe('kit:js failed while running: kernel exploded');
    const short = defineAdapter('kit', { backends: [engine({}, async () => new Float32Array(3)).backend] });
    const s = await short.compile(graph, weights, { backend: 'js' });
    const f = await expectRejection(s.run(input), 'BACKEND_FAILED');
    expect(f.message).toContain('produced 3 values of shape [1, 4, 5, 5]');
    await expectRejection(s.run({ shape: [1, 3, 5, 5], data: new Float32Array(75) }), 'INPUT_SHAPE');
  });

  it('rejects an aborted run at once and stays usable', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const a = defineAdapter('kit', {
      backends: [
        engine({}, async (x, ctx) => {
          calls++;
          if (calls === 1) await gate;
          return Float32Array.from(runReference(graph, weights, x).data.map(() => 0)).fill(
            ctx.signal ? 1 : 0,
          );
        }).backend,
      ],
    });
    const m = await a.compile(graph, weights, { backend: 'js', foldBatchNorm: false });
    const already = new AbortController();
    already.abort(new Error('user left'));
    const e = await expectRejection(m.run(input, { signal: already.signal }), 'ABORTED');
    expect(e.message).toBe('kit:js: run() was aborted: user left');
    expect(calls).toBe(0);
    const controller = new AbortController();
    const pending = m.run(input, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    expect((await m.run(input)).data[0]).toBe(0);
  });

  it('opens a fresh device after DEVICE_LOST', async () => {
    let lost = true;
    const e = engine({}, async (x) => {
      if (lost) throw new ResblocksError('DEVICE_LOST', 'the GPU device was lost');
      return Float32Array.from(runReference(graph, weights, x).data);
    });
    const a = defineAdapter('kit', { backends: [e.backend] });
    const m = await a.compile(graph, weights, { backend: 'js' });
    await expectRejection(m.run(input), 'DEVICE_LOST');
    lost = false;
    const again = await a.compile(graph, weights, { backend: 'js' });
    await again.run(input);
    expect(e.opens()).toBe(2);
  });

  it("serializes the adapter's work when asked", async () => {
    let active = 0;
    let most = 0;
    const a = defineAdapter('kit', {
      serialize: 'adapter',
      backends: [
        engine({}, async (x) => {
          most = Math.max(most, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          return Float32Array.from(runReference(graph, weights, x).data);
        }).backend,
      ],
    });
    const [m1, m2] = await Promise.all([
      a.compile(graph, weights, { backend: 'js' }),
      a.compile(graph, weights, { backend: 'js' }),
    ]);
    await Promise.all([m1.run(input), m2.run(input), m1.run(input)]);
    expect(most).toBe(1);
  });
});

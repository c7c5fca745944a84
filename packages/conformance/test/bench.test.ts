import { referenceAdapter } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { benchArgs, benchModel, graphCase, materials, timeRuns } from '../src/index.js';

describe('timeRuns', () => {
  it('interleaves the runs: first runs, the rest of the warm-up, then timed rounds', async () => {
    const order: string[] = [];
    const run = (id: string) => async () => void order.push(id);
    const [a, b] = await timeRuns([run('a'), run('b')], { warmup: 2, iterations: 3 });
    expect(order.join('')).toBe('ab'.repeat(5));
    for (const t of [a!, b!]) {
      expect(t.samplesMs).toHaveLength(3);
      expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      expect(t.medianMs).toBeLessThanOrEqual(t.p90Ms);
      expect(t.firstRunMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('always makes a first run, and stops after maxMs once each run has 3 samples', async () => {
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
    };
    const [t] = await timeRuns([slow], { warmup: 0, iterations: 50, maxMs: 1 });
    expect(t!.samplesMs).toHaveLength(3);
    expect(runs).toBe(4);
  });

  it('aborts a run still in flight when the budget ends, keeping whole rounds', async () => {
    let calls = 0;
    const quick = async () => new Promise((r) => setTimeout(r, 2));
    // After the first run and three timed rounds, it only ends when its signal fires.
    const stuck = async (signal?: AbortSignal) => {
      if (++calls <= 4) return quick();
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    };
    const [a, b] = await timeRuns([quick, stuck], { warmup: 1, iterations: 50, maxMs: 100 });
    expect(calls).toBe(5);
    expect(a!.samplesMs).toHaveLength(3);
    expect(b!.samplesMs).toHaveLength(3);
  });

  it('benchModel times a compiled model through it', async () => {
    const { graph, weights } = materials(graphCase('blocks/basic-identity-7x9-batch3'));
    const r = await benchModel(referenceAdapter, 'float64', graph, weights, {
      batch: 1,
      size: 6,
      warmup: 1,
      iterations: 2,
    });
    expect(r.samplesMs).toHaveLength(2);
    expect(r.imagesPerSec).toBeCloseTo(1000 / r.medianMs);
    expect(r.model).toBe(graph.name);
  });
});

describe('benchArgs', () => {
  it('reads the shared flags over the defaults, and any other flag', () => {
    const argv = ['--models', 'a,b', '--size', '32', '--max-ms', '5', '--json', 'out.json', '--no-native'];
    const args = benchArgs({ models: ['x'], iterations: 3 }, argv);
    expect(args.models).toEqual(['a', 'b']);
    expect(args.batches).toEqual([1]);
    expect(args.size).toBe(32);
    expect(args.timing).toEqual({ warmup: 2, iterations: 3, maxMs: 5 });
    expect(args.string('json')).toBe('out.json');
    expect(args.has('no-native')).toBe(true);
    expect(args.list('backends', ['wasm'])).toEqual(['wasm']);
  });
});

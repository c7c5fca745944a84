import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Adapter, checkRunInput, outputShape, referenceAdapter, sizeOf } from '@resblocks/spec';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHOICE_FORMAT,
  type ChoiceCache,
  cacheKey,
  chooseBackend,
  fileChoiceCache,
  type MeasuredChoice,
} from '../src/index.js';

/** The float64 reference under another name: correct, and slowed down so a wrong backend would win on speed. */
function correctButSlow(id: string, delayMs: number): Adapter & { compiles: number } {
  const a = {
    ...referenceAdapter,
    id,
    compiles: 0,
    async compile(graph, weights, options) {
      a.compiles++;
      const m = await referenceAdapter.compile(graph, weights, options);
      return {
        ...m,
        backend: `${id}:${options.backend}` as const,
        async run(input) {
          await new Promise((r) => setTimeout(r, delayMs));
          return m.run(input);
        },
      };
    },
  } satisfies Adapter & { compiles: number };
  return a;
}

/** Answers at once with zeros of the right shape, and claims the right backend: fast but wrong. */
const fastButWrong: Adapter = {
  ...referenceAdapter,
  id: 'fast-wrong',
  async compile(graph, weights, options) {
    const m = await referenceAdapter.compile(graph, weights, options);
    return {
      ...m,
      backend: `fast-wrong:${options.backend}`,
      async run(input) {
        checkRunInput(graph, input);
        const shape = outputShape(graph, input.shape);
        return { shape, data: new Float32Array(sizeOf(shape)) };
      },
    };
  },
};

const measure = { model: 'resnet8_cifar', size: 16, batch: 1 };
const dir = mkdtempSync(join(tmpdir(), 'resblocks-choice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chooseBackend with measure', () => {
  it('never chooses a fast backend that fails verification', async () => {
    const slow = correctButSlow('exact', 20);
    const progress: string[] = [];
    const c = await chooseBackend([fastButWrong, slow], {
      measure,
      cache: false,
      iterations: 2,
      onProgress: (p) => progress.push(`${p.phase} ${p.backend ?? ''}`),
    });
    expect(c.chosen.id).toBe('exact:float64');
    expect(c.fromCache).toBe(false);
    const wrong = c.rows.find((r) => r.backend === 'fast-wrong:float64')!;
    expect(wrong).toMatchObject({ verified: false, medianMs: null, chosen: false });
    expect(wrong.reason).toMatch(/^failed verification: failed blocks\/basic-identity-7x9-batch3: /);
    const right = c.rows.find((r) => r.chosen)!;
    expect(right).toMatchObject({ backend: 'exact:float64', verified: true, reason: null });
    expect(right.medianMs).toBeGreaterThanOrEqual(20);
    expect(progress).toContain('verify fast-wrong:float64');
    expect(progress).toContain('time exact:float64');
    expect(progress.at(-1)).toBe('done exact:float64');
  });

  it('picks the faster of two verified backends and says why the other lost', async () => {
    const c = await chooseBackend([correctButSlow('quick', 1), correctButSlow('slow', 150)], {
      measure,
      cache: false,
      iterations: 2,
    });
    expect(c.chosen.id).toBe('quick:float64');
    // Even its smallest pilot run is slower than the other's full-size median: not timed further.
    const slow = c.rows.find((r) => r.backend === 'slow:float64')!;
    expect(slow).toMatchObject({ verified: true, medianMs: null, runs: 0 });
    expect(slow.estimateMs).toBeGreaterThanOrEqual(150);
    expect(slow.reason).toMatch(/^slower: a 2x2 run alone takes \d+ ms, more than the fastest full-size run/);
  });

  it('without measure it is the static ranking', async () => {
    const c = await chooseBackend([correctButSlow('x', 0)]);
    expect(c.id).toBe('x:float64');
    expect('rows' in c).toBe(false);
  });
});

describe('the cached decision', () => {
  const cache: ChoiceCache = fileChoiceCache(dir);
  const file = join(dir, `${cacheKey(measure)}.json`);
  let first: MeasuredChoice;

  it('is written after measuring and used while valid', async () => {
    const a = correctButSlow('exact', 1);
    first = await chooseBackend([a], { measure, cache, iterations: 2 });
    expect(first.fromCache).toBe(false);
    const compiles = a.compiles;
    expect(compiles).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ format: CHOICE_FORMAT, chosen: 'exact:float64', request: measure });
    const again = await chooseBackend([a], { measure, cache });
    expect(again.fromCache).toBe(true);
    expect(again.chosen.id).toBe('exact:float64');
    expect(again.rows).toEqual(first.rows);
    expect(a.compiles).toBe(compiles);
    // fresh measures again.
    expect((await chooseBackend([a], { measure, cache, fresh: true, iterations: 1 })).fromCache).toBe(false);
    expect(a.compiles).toBeGreaterThan(compiles);
  });

  const corruptions: [string, (doc: Record<string, unknown>) => string, RegExp][] = [
    ['not JSON', () => '{"format": 1, "chosen": "exa', /corrupt: not JSON/],
    [
      'a wrong type in a row',
      (d) => JSON.stringify({ ...d, rows: [{ ...(d.rows as object[])[0], medianMs: 'fast' }] }),
      /corrupt: rows\[0\]\.medianMs/,
    ],
    [
      'a chosen backend that is not in the table',
      (d) => JSON.stringify({ ...d, chosen: 'other:float64' }),
      /corrupt: the chosen backend/,
    ],
    [
      'another device',
      (d) => JSON.stringify({ ...d, fingerprint: { ...(d.fingerprint as object), cpu: 'another CPU' } }),
      /stale: the device changed \(cpu\)/,
    ],
    [
      'an old decision',
      (d) => JSON.stringify({ ...d, measuredAt: '2001-01-01T00:00:00.000Z' }),
      /stale: measured 2001/,
    ],
    ['an older format', (d) => JSON.stringify({ ...d, format: 0 }), /stale: format 0/],
  ];
  for (const [what, corrupt, note] of corruptions) {
    it(`is ignored when it holds ${what}, and replaced`, async () => {
      const valid = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, corrupt(valid));
      const a = correctButSlow('exact', 1);
      const c = await chooseBackend([a], { measure, cache, iterations: 1 });
      expect(c.fromCache).toBe(false);
      expect(a.compiles).toBeGreaterThan(0);
      expect(c.cacheNote).toMatch(note);
      expect(JSON.parse(readFileSync(file, 'utf8')).chosen).toBe('exact:float64');
    });
  }

  it('is ignored when its backend is no longer offered', async () => {
    const adapters = [correctButSlow('exact', 1), correctButSlow('other', 30)];
    expect((await chooseBackend(adapters, { measure, cache, iterations: 1 })).chosen.id).toBe(
      'exact:float64',
    );
    const c = await chooseBackend(adapters, { measure, cache, iterations: 1, exclude: ['exact:float64'] });
    expect(c.fromCache).toBe(false);
    expect(c.cacheNote).toMatch(/ignored stale entry: exact:float64 is not offered now/);
    expect(c.chosen.id).toBe('other:float64');
  });
});

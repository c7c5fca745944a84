import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge, type Sample, slope } from '../src/soak.js';
import { resblocks, tempDir } from './spawn.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const MiB = 2 ** 20;

/** Samples of a phase with the given series (bytes, counters) as functions of the step. */
function samples(
  steps: number,
  f: { rss?: (i: number) => number; heap?: (i: number) => number; counter?: (i: number) => number },
): Sample[] {
  return Array.from({ length: steps }, (_, k) => {
    const i = k + 1;
    return {
      step: i,
      rss: 200 * MiB + (f.rss?.(i) ?? 0),
      heap: 20 * MiB + (f.heap?.(i) ?? 0),
      arrayBuffers: MiB,
      counters: { tensors: 20 + (f.counter?.(i) ?? 0) },
    };
  });
}

const failing = (s: ReturnType<typeof judge>) => s.filter((x) => !x.ok).map((x) => x.name);

describe('soak statistics', () => {
  it('fits a least-squares slope', () => {
    expect(slope([1, 2, 3, 4], [10, 12, 14, 16])).toBeCloseTo(2, 12);
    expect(slope([1, 2, 3, 4], [5, 5, 5, 5])).toBe(0);
  });

  it('passes flat but noisy series, and fails each kind of growth after the warm-up', () => {
    // RSS jumping by GC-sized steps, the heap wobbling: flat.
    const noisy = samples(1000, { rss: (i) => ((i * 7919) % 13) * 0.5 * MiB, heap: (i) => (i % 3) * 4096 });
    expect(failing(judge('runs', noisy, 200))).toEqual([]);
    // Growth only during the warm-up is not judged.
    expect(failing(judge('runs', samples(1000, { counter: (i) => Math.min(i, 150) }), 200))).toEqual([]);
    // One tensor leaked every 50 runs; 40 KiB of heap per run; 64 KiB of RSS per run.
    expect(failing(judge('runs', samples(1000, { counter: (i) => Math.floor(i / 50) }), 200))).toEqual([
      'tensors',
    ]);
    expect(failing(judge('runs', samples(1000, { heap: (i) => 40 * 1024 * i }), 200))).toEqual(['heap']);
    expect(failing(judge('runs', samples(1000, { rss: (i) => 64 * 1024 * i }), 200))).toEqual(['rss']);
    // A steep slope over a short soak that adds up to little is below the total tolerance.
    expect(failing(judge('runs', samples(30, { rss: (i) => 64 * 1024 * i }), 6))).toEqual([]);
  });
});

interface SoakJson {
  ok: boolean;
  backends: {
    backend: string;
    error?: string;
    phases: {
      phase: string;
      steps: number;
      ok: boolean;
      series: { name: string; ok: boolean; unit: string; start: number; end: number }[];
    }[];
  }[];
}

/** Runs a short soak of the given backends and checks every phase was measured and held steady. */
async function shortSoak(backends: string[], runs: number, cycles: number): Promise<SoakJson | string> {
  const json = join(tempDir(), 'soak.json');
  // Small inputs and a sample every other run: a few seconds per backend.
  const args = [
    'soak',
    '--backend',
    backends.join(','),
    '--size',
    '8',
    '--samples',
    `${Math.ceil(runs / 2)}`,
  ];
  args.push('--runs', `${runs}`, '--cycles', `${cycles}`);
  const r = await resblocks([...args, '--json', json]);
  const unavailable = /resblocks: error: cannot soak (.*)/.exec(r.stderr);
  if (unavailable) return unavailable[1]!;
  const doc = JSON.parse(readFileSync(json, 'utf8')) as SoakJson;
  expect(doc.backends.map((b) => b.backend)).toEqual(backends);
  for (const b of doc.backends) {
    expect(b.error, b.backend).toBeUndefined();
    expect(b.phases.map((p) => [p.phase, p.steps])).toEqual([
      ['runs', runs],
      ['cycles', cycles],
    ]);
    for (const p of b.phases) {
      expect(
        p.series.filter((s) => s.unit === 'count').length,
        `${b.backend} reports engine counters`,
      ).toBeGreaterThan(0);
      // A few dozen steps are all warm-up for RSS (wasm heaps and GPU driver caches grow over the
      // first dozens of runs and sessions, then stay flat): the full soak judges RSS. The heap,
      // ArrayBuffers (sampled after a full GC) and the engine counters are steady from the start.
      const judged = p.series.filter((s) => s.name !== 'rss');
      expect(judged.map((s) => s.name)).toEqual(expect.arrayContaining(['heap', 'arrayBuffers']));
      expect(
        judged.filter((s) => !s.ok).map((s) => s.name),
        `${b.backend} ${p.phase}:\n${r.stdout}`,
      ).toEqual([]);
    }
  }
  const flat = doc.backends.every((b) => b.phases.every((p) => p.series.every((s) => s.ok)));
  expect(r.code, r.stdout + r.stderr).toBe(flat ? 0 : 1);
  return doc;
}

describe('resblocks soak (short)', () => {
  it('CPU backends: 24 runs and 4 compile/run/dispose cycles hold no more memory or engine resources', async () => {
    const cpu = ['reference:float64', 'tfjs:wasm', 'tfjs:cpu', 'onnx-web:wasm', 'gpujs:webasm', 'gpujs:cpu'];
    const r = await shortSoak(cpu, 24, 4);
    expect(typeof r === 'string' ? r : 'soaked').toBe('soaked');
  }, 300_000);

  it('a WebGPU backend: 24 runs and 4 cycles hold no more memory or engine resources', async (ctx) => {
    const r = await shortSoak(['tfjs:webgpu'], 24, 4);
    if (typeof r === 'string') {
      // Required under CI=true, where WebGPU runs on SwiftShader.
      expect(CI, `no WebGPU here: ${r}`).toBe(false);
      ctx.skip();
    }
  }, 300_000);

  it('onnx-web:webgpu: compile/dispose cycles do not grow native memory (one WebGPU context is kept)', async (ctx) => {
    // ORT drops its WebGPU context with its last session, and each new context held ~120 MiB more
    // on SwiftShader (about 3 GiB over these cycles). With one context kept, RSS rises by a few
    // hundred MiB over the first cycles (driver and buffer caches filling), then stays flat; the
    // full soak (100 cycles) judges the slope.
    const json = join(tempDir(), 'soak.json');
    const r = await resblocks([
      'soak',
      '--backend',
      'onnx-web:webgpu',
      '--runs',
      '0',
      '--cycles',
      '10',
      '--size',
      '8',
      '--json',
      json,
    ]);
    const unavailable = /resblocks: error: cannot soak (.*)/.exec(r.stderr);
    if (unavailable) {
      expect(CI, `no WebGPU here: ${unavailable[1]}`).toBe(false);
      ctx.skip();
    }
    const doc = JSON.parse(readFileSync(json, 'utf8')) as SoakJson;
    const rss = doc.backends[0]!.phases.find((p) => p.phase === 'cycles')!.series.find(
      (s) => s.name === 'rss',
    )!;
    expect(rss.end - rss.start, 'RSS growth over 24 compile/run/dispose cycles').toBeLessThan(768 * 2 ** 20);
  }, 300_000);
});

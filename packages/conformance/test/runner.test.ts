import { type Adapter, referenceAdapter } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { randomConfig, runConformance } from '../src/index.js';
import { brokenAdapter } from './broken-adapters.js';

const unavailable: Adapter = {
  ...referenceAdapter,
  id: 'absent',
  async probe() {
    return { available: false, reason: 'the engine is not installed (npm install absent-engine)' };
  },
};

describe('runConformance', () => {
  it('fails an unavailable backend when required, naming the reason', async () => {
    const r = await runConformance(unavailable, 'float64', { required: true });
    expect(r.summary.failed).toBe(1);
    expect(r.cases[0]!.message).toContain(
      'absent:float64 is not available here: the engine is not installed',
    );
  });

  it('skips an unavailable backend with the reason when not required', async () => {
    const r = await runConformance(unavailable, 'float64', { required: false });
    expect(r.cases.map((c) => c.status)).toEqual(['skip']);
    expect(r.cases[0]!.message).toContain('npm install absent-engine');
  });

  it('catches a backend that silently runs elsewhere', async () => {
    const fallback: Adapter = {
      ...referenceAdapter,
      async compile(g, w, o) {
        const m = await referenceAdapter.compile(g, w, o);
        return { ...m, run: m.run, dispose: m.dispose, info: () => ({ backend: 'cpu' }) };
      },
    };
    const r = await runConformance(fallback, 'float64', {
      groups: [],
      randomCases: 0,
      networks: [],
      exclude: { '*': 'only the identity case' },
    });
    const identity = r.cases.find((c) => c.id === 'backend/identity')!;
    expect(identity.status).toBe('fail');
    expect(identity.message).toContain("requested backend 'float64' but the engine ran on 'cpu'");
  });

  it('shows capability gaps and exclusions as skips with their reason', async () => {
    const limited: Adapter = {
      ...referenceAdapter,
      capabilities: () => ({
        ...referenceAdapter.capabilities('float64'),
        determinism: 'atomics make sums order-dependent',
      }),
    };
    const r = await runConformance(limited, 'float64', {
      groups: [],
      networks: [],
      randomCases: 0,
      accuracyImages: 0,
      exclude: { 'errors/*': 'checked elsewhere' },
    });
    expect(r.cases.find((c) => c.id === 'determinism/bit-identical')).toMatchObject({
      status: 'skip',
      message: "capability 'determinism' not supported: atomics make sums order-dependent",
    });
    expect(
      r.cases
        .filter((c) => c.group === 'errors')
        .every((c) => c.status === 'skip' && c.message === 'excluded: checked elsewhere'),
    ).toBe(true);
  });

  it('prints the seed and config of a failing random case for replay', async () => {
    const r = await runConformance(brokenAdapter('shortcut-dropped'), 'float64', {
      groups: [],
      networks: [],
      randomCases: 4,
      accuracyImages: 0,
    });
    const failed = r.cases.find((c) => c.id.startsWith('random/') && c.status === 'fail')!;
    expect(failed.message).toMatch(/replay: seed=\d+ input=\[.*\] config=\{/);
    const seed = Number(/seed=(\d+)/.exec(failed.message!)![1]);
    expect(randomConfig(seed).seed).toBe(seed);
  });

  it('uses the availability it is given instead of probing again', async () => {
    let probes = 0;
    const counted: Adapter = {
      ...referenceAdapter,
      async probe(b) {
        probes++;
        return referenceAdapter.probe(b);
      },
    };
    const r = await runConformance(counted, 'float64', {
      availability: { available: true, device: 'cpu', info: { probedBy: 'caller' } },
      only: [],
    });
    expect(probes).toBe(0);
    expect(r.info).toMatchObject({ probedBy: 'caller', device: 'cpu' });
    expect(r.cases.map((c) => c.id)).toEqual(['backend/identity']);
  });

  it('only, sample and compileOptions shape the run', async () => {
    const seen: unknown[] = [];
    const spy: Adapter = {
      ...referenceAdapter,
      compile(g, w, o) {
        seen.push(o);
        return referenceAdapter.compile(g, w, o);
      },
    };
    const r = await runConformance(spy, 'float64', {
      groups: [],
      networks: [],
      randomCases: 0,
      only: ['blocks/*', 'ops/*'],
      sample: { ops: 2, blocks: ['blocks/resnext-*'] },
      compileOptions: { foldBatchNorm: false },
    });
    expect(r.cases.map((c) => c.id)).toEqual([
      'backend/identity',
      'ops/conv-asymmetric-pads-stride2',
      'ops/maxpool-pad1',
      'blocks/resnext-groups32-stride2',
      'blocks/resnext-one-channel-per-group',
      'blocks/resnext-one-channel-per-group-stride2',
    ]);
    expect(r.summary.failed).toBe(0);
    expect(seen).toHaveLength(6);
    expect(seen.every((o) => (o as { foldBatchNorm?: boolean }).foldBatchNorm === false)).toBe(true);
  });

  it('fails the abort cases for a run() that ignores its signal', async () => {
    const deaf: Adapter = {
      ...referenceAdapter,
      async compile(g, w, o) {
        const m = await referenceAdapter.compile(g, w, o);
        return { ...m, run: (input) => m.run(input) };
      },
    };
    const r = await runConformance(deaf, 'float64', { only: ['abort/*'] });
    expect(r.cases.map((c) => [c.id, c.status])).toEqual([
      ['backend/identity', 'pass'],
      ['abort/before-run', 'fail'],
      ['abort/during-run', 'fail'],
    ]);
    expect(r.cases[1]!.message).toMatch(/expected a ResblocksError ABORTED, but the call succeeded/);
  });
});

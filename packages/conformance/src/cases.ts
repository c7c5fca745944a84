import {
  type Adapter,
  blockContract,
  type CompiledModel,
  type Graph,
  GraphBuilder,
  initWeights,
  isResblocksError,
  lowerBlock,
  lowerNetwork,
  runReference,
  seededInput,
  sizeOf,
  type Tensor,
  type Weights,
} from '@resblocks/spec';
import { type FixtureCase, loadFixtures } from '@resblocks/spec/fixtures';
import { accuracyCases } from './accuracy.js';
import { CaseFailure, expectClose, expectMatchesReference, withModel } from './check.js';
import { randomConfig } from './random.js';
import type { CaseContext, ConformanceCase, SuiteOptions } from './types.js';

export const DEFAULT_NETWORKS = ['resnet8_cifar', 'resnet20_cifar'] as const;

let fixtures: Promise<FixtureCase[]> | undefined;
/** Fixtures are read and hash-checked once per process. */
function allFixtures(): Promise<FixtureCase[]> {
  fixtures ??= loadFixtures();
  return fixtures;
}

/** A small grouped, strided, projected bottleneck: it exercises most of the IR in one block. */
export function probeBlock(): { graph: Graph; weights: Weights } {
  const graph = lowerBlock(
    blockContract({
      kind: 'bottleneck',
      inChannels: 8,
      planes: 4,
      stride: 2,
      groups: 2,
      baseWidth: 32,
      shortcut: 'projection',
    }),
    'probe-block',
  );
  return { graph, weights: initWeights(graph, 7) };
}

function subsample<T>(items: T[], max: number | undefined): T[] {
  if (max === undefined || items.length <= max) return items;
  // Evenly spaced picks keep every part of the grid represented.
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

function fixtureCase(f: FixtureCase): ConformanceCase {
  return {
    id: `fixture/${f.id}`,
    group: f.group,
    async run(ctx) {
      const weights = f.weights();
      const fraction = await withModel(ctx, f.graph, weights, async (m) =>
        expectClose(ctx, f.graph, await m.run(f.input), f.expected),
      );
      return { fraction };
    },
  };
}

function withProbe<T>(ctx: CaseContext, fn: (m: CompiledModel) => Promise<T>): Promise<T> {
  return ctx.sharedProbe().then(fn);
}

async function expectError(what: string, code: string, fn: () => Promise<unknown>): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined)
    throw new CaseFailure(`${what}: expected a ResblocksError ${code}, but the call succeeded`);
  if (!isResblocksError(caught)) {
    throw new CaseFailure(
      `${what}: expected a ResblocksError ${code}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`,
    );
  }
  if (caught.code !== code)
    throw new CaseFailure(`${what}: expected code ${code}, got ${caught.code}: ${caught.message}`);
  if (!caught.message) throw new CaseFailure(`${what}: error has no message`);
}

function withoutKey(w: Weights, key: string): Weights {
  const copy = new Map(w);
  copy.delete(key);
  return copy;
}

function errorCases(): ConformanceCase[] {
  const mk = (
    id: string,
    run: (ctx: CaseContext, graph: Graph, weights: Weights) => Promise<void>,
  ): ConformanceCase => ({
    id: `errors/${id}`,
    group: 'errors',
    async run(ctx) {
      const { graph, weights } = probeBlock();
      await run(ctx, graph, weights);
      return {};
    },
  });
  const good = (g: Graph): Tensor => seededInput([1, g.inChannels, 6, 6], 3);
  return [
    mk('input-channels', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('input with wrong channels', 'INPUT_SHAPE', () =>
          m.run(seededInput([1, g.inChannels + 1, 6, 6], 1)),
        ),
      ),
    ),
    mk('input-rank', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('rank-3 input', 'INPUT_SHAPE', () => m.run(seededInput([g.inChannels, 6, 6], 1))),
      ),
    ),
    mk('input-length', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('data shorter than its shape', 'INPUT_SHAPE', () =>
          m.run({
            shape: [1, g.inChannels, 6, 6],
            data: new Float32Array(sizeOf([1, g.inChannels, 6, 6]) - 1),
          }),
        ),
      ),
    ),
    mk('input-dtype', (ctx, g) =>
      withProbe(ctx, (m) => {
        const x = good(g);
        return expectError('Float64Array input', 'INPUT_DTYPE', () =>
          m.run({ shape: x.shape, data: Float64Array.from(x.data) as unknown as Float32Array }),
        );
      }),
    ),
    mk('run-after-dispose', async (ctx, g, w) => {
      const m = await ctx.adapter.compile(g, w, { backend: ctx.backend });
      await m.run(good(g));
      await m.dispose();
      await expectError('run after dispose', 'DISPOSED', () => m.run(good(g)));
    }),
    mk('weights-missing', (ctx, g, w) =>
      expectError('weights without conv2.weight', 'WEIGHTS_MISSING', () =>
        ctx.adapter.compile(g, withoutKey(w, 'conv2.weight'), { backend: ctx.backend }),
      ),
    ),
    mk('weights-shape', (ctx, g, w) => {
      const bad = new Map(w);
      bad.set('conv2.weight', { shape: [1, 2, 3, 3], data: new Float32Array(18) });
      return expectError('mis-shaped conv2.weight', 'WEIGHTS_SHAPE', () =>
        ctx.adapter.compile(g, bad, { backend: ctx.backend }),
      );
    }),
    mk('weights-extra', (ctx, g, w) => {
      const bad = new Map(w);
      bad.set('layer9.conv.weight', { shape: [1], data: new Float32Array(1) });
      return expectError('unexpected key', 'WEIGHTS_EXTRA', () =>
        ctx.adapter.compile(g, bad, { backend: ctx.backend }),
      );
    }),
    mk('input-too-small', (ctx) => {
      // An unpadded 3x3 conv needs at least 3x3; the ResNets pad, so they admit 1x1 like PyTorch.
      const b = new GraphBuilder('valid-conv', 'x', 3);
      const graph = b.finish(b.conv('x', 'conv1', { inChannels: 3, outChannels: 4, kernel: 3 }));
      const w = initWeights(graph, 1);
      return withModel(ctx, graph, w, (m) =>
        expectError('2x2 input to an unpadded 3x3 conv', 'INPUT_TOO_SMALL', () =>
          m.run(seededInput([1, 3, 2, 2], 1)),
        ),
      );
    }),
  ];
}

function smallNet() {
  return {
    name: 'small',
    block: 'basic' as const,
    layers: [1, 1],
    widths: [8, 16],
    groups: 1,
    baseWidth: 64,
    stem: 'classic' as const,
    stemWidth: 8,
    strideOn: '3x3' as const,
    shortcut: 'projection' as const,
    ordering: 'post' as const,
    bnEps: 1e-5,
    convBias: false,
    inChannels: 3,
    numClasses: 5,
  };
}

function behaviourCases(): ConformanceCase[] {
  return [
    {
      id: 'batch/per-sample',
      group: 'batch',
      async run(ctx) {
        // Batch 3 must equal three batch-1 runs, sample by sample.
        const { graph, weights } = probeBlock();
        const x = seededInput([3, graph.inChannels, 7, 9], 11);
        const per = sizeOf([1, graph.inChannels, 7, 9]);
        return withProbe(ctx, async (m) => {
          const all = await m.run(x);
          const n = all.data.length / 3;
          let worst = 0;
          for (let i = 0; i < 3; i++) {
            const xi: Tensor = {
              shape: [1, graph.inChannels, 7, 9],
              data: x.data.slice(i * per, (i + 1) * per),
            };
            const yi = await m.run(xi);
            const ref = runReference(graph, weights, xi);
            expectClose(ctx, graph, yi, ref, `sample ${i} alone: `);
            const slice: Tensor = { shape: yi.shape, data: all.data.slice(i * n, (i + 1) * n) };
            worst = Math.max(worst, expectClose(ctx, graph, slice, ref, `sample ${i} in batch 3: `));
          }
          return { fraction: worst };
        });
      },
    },
    ...[
      [1, 1],
      [5, 11],
      [13, 2],
    ].map(([h, w]) => ({
      id: `shapes/${h}x${w}`,
      group: 'shapes',
      async run(ctx: CaseContext) {
        const { graph, weights } = probeBlock();
        return {
          fraction: await expectMatchesReference(
            ctx,
            graph,
            weights,
            seededInput([2, graph.inChannels, h!, w!], h! * 31 + w!),
          ),
        };
      },
    })),
    {
      id: 'shapes/network-non-square',
      group: 'shapes',
      async run(ctx) {
        const graph = lowerNetwork(smallNet());
        return {
          fraction: await expectMatchesReference(
            ctx,
            graph,
            initWeights(graph, 5),
            seededInput([2, 3, 19, 27], 5),
          ),
        };
      },
    },
    {
      id: 'bn/eps-sensitive',
      group: 'variants',
      async run(ctx) {
        // Trained networks have channels with running_var near eps; there eps decides the result.
        const graph = lowerBlock(
          blockContract({ kind: 'basic', inChannels: 8, planes: 8, bnEps: 1e-5 }),
          'eps-sensitive',
        );
        const weights = initWeights(graph, 9);
        for (const p of graph.params) {
          if (p.role !== 'bn_var') continue;
          const t = weights.get(p.name)!;
          weights.set(p.name, { shape: t.shape, data: t.data.map((v) => v * 2e-5) });
        }
        return { fraction: await expectMatchesReference(ctx, graph, weights, seededInput([1, 8, 6, 6], 9)) };
      },
    },
    {
      id: 'determinism/bit-identical',
      group: 'determinism',
      async run(ctx) {
        const { graph } = probeBlock();
        const x = seededInput([2, graph.inChannels, 9, 7], 21);
        return withProbe(ctx, async (m) => {
          const a = await m.run(x);
          const b = await m.run(x);
          const diff = a.data.findIndex((v, i) => !Object.is(v, b.data[i]));
          if (diff >= 0)
            throw new CaseFailure(`second run differs at index ${diff}: ${a.data[diff]} vs ${b.data[diff]}`);
          return {};
        });
      },
    },
    {
      id: 'concurrency/overlapping-runs',
      group: 'concurrency',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const inputs = Array.from({ length: 8 }, (_, i) =>
          seededInput([1 + (i % 2), graph.inChannels, 6 + (i % 3), 6], 100 + i),
        );
        return withProbe(ctx, async (m) => {
          const outs = await Promise.all(inputs.map((x) => m.run(x)));
          let worst = 0;
          outs.forEach((y, i) => {
            worst = Math.max(
              worst,
              expectClose(ctx, graph, y, runReference(graph, weights, inputs[i]!), `run ${i}: `),
            );
          });
          return { fraction: worst };
        });
      },
    },
    {
      id: 'non-finite/propagate',
      group: 'non-finite',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([1, graph.inChannels, 6, 6], 31);
        x.data[5] = Number.NaN;
        x.data[40] = Number.POSITIVE_INFINITY;
        x.data[77] = Number.NEGATIVE_INFINITY;
        return withProbe(ctx, async (m) => ({
          fraction: expectClose(ctx, graph, await m.run(x), runReference(graph, weights, x)),
        }));
      },
    },
    {
      id: 'resources/released',
      group: 'resources',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([1, graph.inChannels, 6, 6], 41);
        const before = await ctx.adapter.resources(ctx.backend);
        const m = await ctx.adapter.compile(graph, weights, { backend: ctx.backend });
        await m.run(x);
        const afterOne = await ctx.adapter.resources(ctx.backend);
        for (let i = 0; i < 6; i++) await m.run(x);
        const afterMany = await ctx.adapter.resources(ctx.backend);
        await m.dispose();
        const after = await ctx.adapter.resources(ctx.backend);
        const grew = Object.keys(afterMany).filter((k) => afterMany[k]! > (afterOne[k] ?? 0));
        if (grew.length) {
          throw new CaseFailure(
            `counters grew over repeated runs: ${grew.map((k) => `${k} ${afterOne[k]} -> ${afterMany[k]}`).join(', ')}`,
          );
        }
        const leaked = Object.keys({ ...before, ...after }).filter(
          (k) => (after[k] ?? 0) !== (before[k] ?? 0),
        );
        if (leaked.length) {
          throw new CaseFailure(
            `counters not back after dispose: ${leaked.map((k) => `${k} ${before[k]} -> ${after[k]}`).join(', ')}`,
          );
        }
        return {};
      },
    },
  ];
}

const CAPABILITY_OF_GROUP: Record<string, keyof ReturnType<Adapter['capabilities']>> = {
  determinism: 'determinism',
  concurrency: 'concurrency',
  'non-finite': 'nonFinite',
  resources: 'resourceCounters',
  networks: 'networks',
  accuracy: 'networks',
};

/** Every case of the suite for one backend, with skip reasons from capabilities and exclusions. */
export async function listCases(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): Promise<ConformanceCase[]> {
  const networks = options.networks ?? DEFAULT_NETWORKS;
  const fixtures = await (options.fixtures ?? allFixtures)();
  const blocks = subsample(
    fixtures.filter((f) => f.kind === 'block' && (!options.groups || options.groups.includes(f.group))),
    options.maxBlockCases,
  );
  const nets = fixtures.filter((f) => f.kind === 'network' && f.network && networks.includes(f.network));
  const missing = networks.filter((n) => !fixtures.some((f) => f.network === n));
  if (missing.length) throw new Error(`no network fixtures for ${missing.join(', ')}`);
  const seed = options.seed ?? 1;
  const random: ConformanceCase[] = Array.from({ length: options.randomCases ?? 8 }, (_, i) => {
    const cfg = randomConfig(seed * 1000 + i);
    return {
      id: `random/${cfg.kind}-${cfg.seed}`,
      group: cfg.kind === 'block' ? 'random-blocks' : 'random-networks',
      async run(ctx) {
        const graph =
          cfg.kind === 'block' ? lowerBlock(cfg.contract, `random-${cfg.seed}`) : lowerNetwork(cfg.network);
        try {
          return {
            fraction: await expectMatchesReference(
              ctx,
              graph,
              initWeights(graph, cfg.seed),
              seededInput(cfg.inputShape, cfg.seed),
            ),
          };
        } catch (e) {
          const config = cfg.kind === 'block' ? cfg.contract : cfg.network;
          throw new CaseFailure(
            `${(e as Error).message}\n  replay: seed=${cfg.seed} input=${JSON.stringify(cfg.inputShape)} config=${JSON.stringify(config)}`,
            (e as CaseFailure).fraction,
          );
        }
      },
    };
  });
  const all = [
    ...blocks.map(fixtureCase),
    ...nets.map(fixtureCase),
    ...random,
    ...behaviourCases(),
    ...errorCases(),
    // Trained networks on real images against PyTorch's logits (accuracy.ts).
    ...(await accuracyCases(adapter, backend, options)),
  ];
  const caps = adapter.capabilities(backend);
  return all.map((c) => {
    const cap = CAPABILITY_OF_GROUP[c.group];
    const capability = cap ? caps[cap] : true;
    const excluded = Object.entries(options.exclude ?? {}).find(([k]) =>
      k.endsWith('*') ? c.id.startsWith(k.slice(0, -1)) : c.id === k,
    );
    const skip = excluded
      ? `excluded: ${excluded[1]}`
      : capability !== true
        ? `capability '${cap}' not supported: ${capability}`
        : undefined;
    return skip ? { ...c, skip } : c;
  });
}

import { type FixtureCase, loadFixtures } from '@resblocks/spec/fixtures';
import { expectClose, explainFailure, withModel } from '../check.js';
import type { CaseGroup, ConformanceCase } from '../types.js';
import { subsample } from './sample.js';

export const DEFAULT_NETWORKS = ['resnet8_cifar', 'resnet20_cifar'] as const;

let fixtures: Promise<FixtureCase[]> | undefined;
/** Fixtures are read and hash-checked once per process. */
export function allFixtures(): Promise<FixtureCase[]> {
  fixtures ??= loadFixtures();
  return fixtures;
}

function fixtureCase(f: FixtureCase): ConformanceCase {
  return {
    id: `fixture/${f.id}`,
    group: f.group,
    ...(f.kind === 'network' ? { capability: 'networks' as const } : {}),
    async run(ctx) {
      const weights = f.weights();
      const fraction = await explainFailure(ctx, f.graph, weights, f.input, () =>
        withModel(ctx, f.graph, weights, async (m) =>
          expectClose(ctx, f.graph, await m.run(f.input), f.expected),
        ),
      );
      return { fraction };
    },
  };
}

/** Every block contract of the PyTorch fixture grid (groups basic, bottleneck, resnext, ...). */
export const fixtureBlocksGroup: CaseGroup = {
  name: 'fixture blocks',
  async cases({ options, fixtures }) {
    if (options.groups?.length === 0 || options.maxBlockCases === 0) return [];
    const all = await fixtures();
    const blocks = all.filter(
      (f) => f.kind === 'block' && (!options.groups || options.groups.includes(f.group)),
    );
    return subsample(blocks, options.maxBlockCases).map(fixtureCase);
  },
};

/** Whole networks at small resolution against PyTorch (options.networks picks which). */
export const fixtureNetworksGroup: CaseGroup = {
  name: 'networks',
  async cases({ options, fixtures }) {
    const networks = options.networks ?? DEFAULT_NETWORKS;
    if (!networks.length) return [];
    const all = await fixtures();
    const missing = networks.filter((n) => !all.some((f) => f.network === n));
    if (missing.length) throw new Error(`no network fixtures for ${missing.join(', ')}`);
    return all
      .filter((f) => f.kind === 'network' && f.network && networks.includes(f.network))
      .map(fixtureCase);
  },
};

import type { Adapter } from '@resblocks/spec';
import type { FixtureCase } from '@resblocks/spec/fixtures';
import type { CaseGroup, ConformanceCase, SuiteOptions } from '../types.js';
import { abortGroup } from './abort.js';
import { accuracyGroup } from './accuracy.js';
import { backendGroup, identityCase } from './backend.js';
import { batchGroup } from './batch.js';
import { BLOCK_CASES, blocksGroup } from './blocks.js';
import { concurrencyGroup } from './concurrency.js';
import { determinismGroup } from './determinism.js';
import { errorsGroup } from './errors.js';
import { allFixtures, fixtureBlocksGroup, fixtureNetworksGroup } from './fixtures.js';
import { gpuTensorsGroup } from './gpu-tensors.js';
import type { GraphCase } from './graph-case.js';
import { nonFiniteGroup } from './non-finite.js';
import { OP_CASES, opsGroup } from './ops.js';
import { randomGroup } from './random.js';
import { referenceNetworksGroup } from './reference-networks.js';
import { resourcesGroup } from './resources.js';
import { subsample } from './sample.js';
import { shapesGroup } from './shapes.js';
import { TINY_NETWORK_CASES, tinyNetworksGroup } from './tiny-networks.js';
import { traceGroup } from './trace.js';
import { variantsGroup } from './variants.js';

/**
 * Every group of the suite, in run order. To add a group, write a file exporting a CaseGroup
 * (see types.ts) and list it here; its cases then run on every backend, in vitest and in
 * runConformance alike.
 */
export const CASE_GROUPS: readonly CaseGroup[] = [
  backendGroup,
  fixtureBlocksGroup,
  fixtureNetworksGroup,
  opsGroup,
  blocksGroup,
  tinyNetworksGroup,
  // Traced runs: every node in budget, and a node broken on purpose found by name.
  traceGroup,
  randomGroup,
  batchGroup,
  shapesGroup,
  variantsGroup,
  determinismGroup,
  concurrencyGroup,
  // GPU tensors in and out (backends that offer them).
  gpuTensorsGroup,
  nonFiniteGroup,
  resourcesGroup,
  errorsGroup,
  abortGroup,
  referenceNetworksGroup,
  // Trained networks on real images against PyTorch's logits.
  accuracyGroup,
];

/** `id` matches `pattern`: the same id, or a prefix written with a trailing `*`. */
export function matchesCase(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern;
}

/**
 * Every case of the suite for one backend, with skip reasons from capabilities and exclusions.
 * The backend identity case always runs: `only`, `exclude` and `sample` pick among the others.
 */
export async function listCases(
  adapter: Adapter,
  backend: string,
  options: SuiteOptions = {},
): Promise<ConformanceCase[]> {
  const source = {
    options,
    adapter,
    backend,
    fixtures: (): Promise<FixtureCase[]> => (options.fixtures ?? allFixtures)(),
  };
  let all: ConformanceCase[] = [];
  for (const group of CASE_GROUPS) all.push(...(await group.cases(source)));
  for (const [group, keep] of Object.entries(options.sample ?? {})) {
    const inGroup = all.filter((c) => c.group === group);
    const picked = new Set(
      typeof keep === 'number'
        ? subsample(inGroup, keep)
        : inGroup.filter((c) => keep.some((p) => matchesCase(p, c.id))),
    );
    all = all.filter((c) => c.group !== group || picked.has(c));
  }
  const { only } = options;
  if (only) all = all.filter((c) => c === identityCase || only.some((p) => matchesCase(p, c.id)));
  const caps = adapter.capabilities(backend);
  return all.map((c) => {
    const capability = c.capability ? caps[c.capability] : true;
    const excluded =
      c !== identityCase && Object.entries(options.exclude ?? {}).find(([k]) => matchesCase(k, c.id));
    const skip =
      c.skip ??
      (excluded
        ? `excluded: ${excluded[1]}`
        : capability !== true
          ? `capability '${c.capability}' not supported: ${capability}`
          : undefined);
    return skip ? { ...c, skip } : c;
  });
}

export { DEFAULT_NETWORKS } from './fixtures.js';

/** A shared graph case by id (e.g. `blocks/resnext-groups32-stride2`), for adapters' own tests of that graph. */
export function graphCase(id: string): GraphCase {
  const all = [...OP_CASES, ...BLOCK_CASES, ...TINY_NETWORK_CASES];
  const c = all.find((x) => x.id === id);
  if (!c) throw new Error(`no shared graph case '${id}'; known: ${all.map((x) => x.id).join(', ')}`);
  return c;
}

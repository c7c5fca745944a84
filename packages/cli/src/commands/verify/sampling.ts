import type { Availability, BackendApi } from '@resblocks/spec';

/**
 * What a backend runs without --full, by what makes it slow. Every group of the suite runs on every
 * backend; where a case's cost is inherent to the device, the costly groups are sampled evenly
 * (the same cases on every run) and the output says so. --full, --max-block-cases, --random and an
 * explicit sample lift this.
 */
export interface Tier {
  readonly name: string;
  /** Why this kind of backend is sampled, for the output. */
  readonly why: string;
  /** Block fixtures kept, evenly over the grid (undefined: all). */
  readonly maxBlockCases?: number;
  /** Cases kept per group (the groups named; the rest run whole). */
  readonly sample?: Readonly<Record<string, number>>;
  /** Trained-network images per model in the accuracy group (undefined: the suite's default). */
  readonly accuracyImages?: number;
  /** Trained networks of the accuracy group (undefined: all). */
  readonly accuracyModels?: readonly string[];
  /** Relative cost, to start the slowest backends first when they run in parallel. */
  readonly weight: number;
}

/** Groups that compile a new model per case: on a software GPU each compiles its shaders anew. */
const GRAPH_GROUPS = [
  'networks',
  'ops',
  'blocks',
  'tiny-networks',
  'random-blocks',
  'random-networks',
  'shapes',
];

export const TIERS = {
  software: {
    name: 'software GPU',
    why:
      'a CPU Vulkan driver (SwiftShader) compiles every new shader on the CPU, which costs about a second ' +
      'per new model: block fixtures sampled to 6, one case of each graph group, 5 images of the smaller ' +
      'trained network (resnet20_cifar)',
    maxBlockCases: 6,
    sample: Object.fromEntries(GRAPH_GROUPS.map((g) => [g, 1])),
    accuracyImages: 5,
    accuracyModels: ['resnet20_cifar'],
    weight: 4,
  },
  javascript: {
    name: 'plain JavaScript',
    why: 'plain JavaScript (the float64 reference too) runs the trained networks at a few images/s: 5 images per trained network',
    accuracyImages: 5,
    weight: 2,
  },
  compiled: {
    name: 'compiled code',
    why: 'one batch of 25 images per trained network (--full: the whole 500-image sample)',
    accuracyImages: 25,
    weight: 1,
  },
} as const satisfies Record<string, Tier>;

/** The tier of a backend from what its probe said. */
export function tierOf(availability: Availability, api: BackendApi | undefined): Tier {
  if (availability.available && availability.device === 'software') return TIERS.software;
  if (api === 'cpu') return TIERS.javascript;
  return TIERS.compiled;
}

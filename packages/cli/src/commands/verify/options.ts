import { availableParallelism } from 'node:os';
import type { OptionValues } from '../../options.js';
import { SHARED } from '../../shared-options.js';

/** Full-size networks `--full` checks at 224x224 against the float64 reference. */
export const FULL_NETWORKS = ['resnet18', 'resnet50', 'resnext50_32x4d'] as const;
export const FULL_SIZE = 224;

export const USAGE = 'resblocks verify [--models a,b] [--backends x,y] [--full] [--details] [--json FILE]';

export const ABOUT = `Checks every backend against the spec: the PyTorch-checked fixture cases of every block
contract, small whole networks, seeded random blocks and networks compared with the float64
reference, and the contract's behaviour (determinism, concurrency, NaN/Inf, error codes,
resource counters, backend identity). Every numeric comparison uses the spec's tolerance
policy; "worst" is the largest error as a percentage of the allowed budget (100% fails).
Prints one row per backend (cases, passed, failed, skipped, worst, time); --details
prints a row per group of cases instead.

By default every backend of every installed adapter is probed; those that cannot run here
are listed with the reason and not counted as failures. A backend named with --backends that
cannot run here is a failure. Backends are checked side by side, one process each (--jobs).
Without --full every group of cases runs on every backend, and where a backend's kind makes a
case slow (a software-rendered GPU such as SwiftShader compiles every shader on the CPU; plain
JavaScript runs networks at a few images/s) the costly groups are evenly sampled; the output
names what was sampled and why. Exits 1 when any case fails.`;

export const EXAMPLES = [
  'resblocks verify',
  'resblocks verify --backends reference:float64,tfjs:cpu --models resnet8_cifar',
  'resblocks verify --backends onnx-web --full --json verify.json',
];

export const VERIFY_OPTIONS = {
  backends: {
    ...SHARED.backends,
    help: 'backends to check: adapter:backend such as tfjs:wasm, or an adapter id such as tfjs for all of its backends',
    defaultText: 'all',
  },
  models: {
    type: 'list',
    placeholder: 'a,b',
    help:
      'networks to check instead of the default small ones (resnet8_cifar, resnet20_cifar), on their ' +
      'PyTorch fixtures (small inputs such as 48x48); a network without fixtures is compared with the ' +
      'float64 reference on seeded weights at 32x32 (CIFAR) or 64x64 input',
  },
  full: {
    type: 'boolean',
    help:
      'the whole block grid on every backend, every network fixture, plus full-size networks at ' +
      `224x224 against the float64 reference: ${FULL_NETWORKS.join(', ')}, or the --models given. The ` +
      'reference output is computed once per network and shared by all backends (~10-30 s each on a ' +
      'laptop core); slow by design',
  },
  groups: { type: 'list', placeholder: 'g,h', help: 'only these block fixture groups' },
  'max-block-cases': {
    type: 'int',
    min: 0,
    help: 'evenly subsample the block fixtures to at most N cases per backend',
  },
  random: {
    type: 'int',
    min: 0,
    max: 10_000,
    help: 'seeded random configurations per backend',
    defaultText: '8, or 32 with --full',
  },
  seed: {
    type: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    placeholder: 'S',
    default: 1,
    help: 'seed of the random configurations',
  },
  jobs: {
    type: 'int',
    min: 1,
    max: 64,
    help: 'backends checked at the same time, one process each (1: one after another, in this process)',
    defaultText: 'the number of cores',
  },
  details: {
    type: 'boolean',
    help: 'a table row per group of cases (block fixtures, networks, random, contract) of each backend',
  },
  json: { ...SHARED.json, help: 'write every case of every backend, with the machine description, as JSON' },
} as const;

export interface VerifyOptions {
  models: string[] | undefined;
  backends: string[] | undefined;
  full: boolean;
  details: boolean;
  groups: string[] | undefined;
  maxBlockCases: number | undefined;
  randomCases: number;
  /** Whether --random was given (the sampling of slow backends then leaves the random groups whole). */
  randomGiven: boolean;
  seed: number;
  jobs: number;
  json: string | undefined;
}

export function verifyOptions(values: OptionValues<typeof VERIFY_OPTIONS>): VerifyOptions {
  return {
    models: values.models,
    backends: values.backends,
    full: values.full,
    details: values.details,
    groups: values.groups,
    maxBlockCases: values['max-block-cases'],
    randomCases: values.random ?? (values.full ? 32 : 8),
    randomGiven: values.random !== undefined,
    seed: values.seed,
    jobs: values.jobs ?? Math.max(1, availableParallelism()),
    json: values.json,
  };
}

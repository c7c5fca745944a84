import { intOption, listOption, parseCommandArgs } from '../../args.js';

/** Full-size networks `--full` checks at 224x224 against the float64 reference. */
export const FULL_NETWORKS = ['resnet18', 'resnet50', 'resnext50_32x4d'] as const;
export const FULL_SIZE = 224;
/** Block fixtures per software-rendered GPU backend without --full (evenly sampled over the grid). */
export const SOFTWARE_BLOCK_CASES = 24;

export const HELP = `Usage: resblocks verify [--models a,b] [--backends x,y] [--full] [--details] [--json FILE]

Checks every backend against the spec: the PyTorch-checked fixture cases of every block
contract, small whole networks, seeded random blocks and networks compared with the float64
reference, and the contract's behaviour (determinism, concurrency, NaN/Inf, error codes,
resource counters, backend identity). Every numeric comparison uses the spec's tolerance
policy; "worst" is the largest error as a percentage of the allowed budget (100% fails).
Prints one row per backend (cases, passed, failed, skipped, worst, time); --details
prints a row per group of cases instead.

By default every backend of every installed adapter is probed; those that cannot run here
are listed with the reason and not counted as failures. On a software-rendered GPU
(SwiftShader), correct but very slow, the block fixtures are evenly sampled to
${SOFTWARE_BLOCK_CASES} cases unless --full or --max-block-cases is given. A backend named
with --backends that cannot run here is a failure. Exits 1 when any case fails.

Options:
  --backends x,y        backends to check: adapter:backend (tfjs:wasm) or an adapter id for
                        all of its backends (tfjs). Default: all.
  --models a,b          networks to check instead of the default small ones (resnet8_cifar,
                        resnet20_cifar), on their PyTorch fixtures (small inputs such as
                        48x48); a network without fixtures is compared with the float64
                        reference on seeded weights at 32x32 (CIFAR) or 64x64 input
  --full                every network fixture, plus full-size networks at 224x224 against the
                        float64 reference: ${FULL_NETWORKS.join(', ')}, or the --models given.
                        The reference output is computed once per network and shared by all
                        backends (~10-30 s each on a laptop core); slow by design
  --groups g,h          only these block fixture groups
  --max-block-cases N   evenly subsample the block fixtures to at most N cases per backend
  --random N            seeded random configurations per backend (default 8; 32 with --full)
  --seed S              seed of the random configurations (default 1)
  --details             a table row per group of cases of each backend
  --json FILE           write the reports (every case, per backend) as JSON
  --verbose             print stack traces on errors
  -h, --help            show this help

Examples:
  resblocks verify
  resblocks verify --backends reference:float64,tfjs:cpu --models resnet8_cifar
  resblocks verify --backends onnx-web --full --json verify.json
`;

export interface VerifyOptions {
  models: string[] | undefined;
  backends: string[] | undefined;
  full: boolean;
  details: boolean;
  groups: string[] | undefined;
  maxBlockCases: number | undefined;
  randomCases: number;
  seed: number;
  json: string | undefined;
}

export function parseVerifyOptions(argv: string[]): VerifyOptions {
  const { values } = parseCommandArgs('verify', argv, {
    models: { type: 'string' },
    backends: { type: 'string' },
    full: { type: 'boolean' },
    details: { type: 'boolean' },
    groups: { type: 'string' },
    'max-block-cases': { type: 'string' },
    random: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'string' },
  });
  const full = Boolean(values.full);
  return {
    models: listOption(values.models),
    backends: listOption(values.backends),
    full,
    details: Boolean(values.details),
    groups: listOption(values.groups),
    maxBlockCases:
      values['max-block-cases'] === undefined
        ? undefined
        : intOption('verify', 'max-block-cases', values['max-block-cases'], 0, 0),
    randomCases: intOption('verify', 'random', values.random, full ? 32 : 8, 0, 10_000),
    seed: intOption('verify', 'seed', values.seed, 1, 0, 2 ** 31 - 1),
    json: values.json,
  };
}

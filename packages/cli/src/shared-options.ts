import { MAX_CLASSES } from '@resblocks/spec';
import type { OptionTable } from './options.js';

const ANY_BACKENDS = { type: 'list', placeholder: 'x,y', help: 'adapter:backend or adapter ids' } as const;

/** Options several commands take; a command spreads one and changes its help where it means more there. */
export const SHARED = {
  model: { type: 'string', placeholder: 'NAME', help: 'network name, e.g. resnet50 or resnet8_cifar' },
  weights: { type: 'string', placeholder: 'FILE', help: '.safetensors or PyTorch .pth/.pt weights' },
  classes: {
    type: 'int',
    min: 1,
    max: MAX_CLASSES,
    placeholder: 'N',
    help: 'class count of the model',
    defaultText: "fc.weight's rows, or the model's",
  },
  output: {
    type: 'string',
    short: 'o',
    placeholder: 'FILE',
    required: true,
    help: 'where to write the file',
  },
  backends: ANY_BACKENDS,
  /** `--backends` of the commands that measure: the slow backends run only when named. */
  measuredBackends: {
    ...ANY_BACKENDS,
    defaultText:
      'every available backend except the float64 reference and software GPUs, which are slow and run only when named',
  },
  size: {
    type: 'int',
    min: 1,
    max: 4096,
    placeholder: 'S',
    help: 'input height and width',
    defaultText: '224, or 32 for CIFAR networks',
  },
  json: { type: 'string', placeholder: 'FILE', help: 'write a JSON report' },
} as const satisfies OptionTable;

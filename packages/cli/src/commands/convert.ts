import { basename } from 'node:path';
import { serializeEntries, WEIGHTS_FORMAT_NAMES } from '@resblocks/spec';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { writeOutputFile } from '../files.js';
import { describeWeights, modelForWeights, readWeightsFileAt } from '../model-files.js';
import { SHARED } from '../shared-options.js';

const OPTIONS = {
  model: { ...SHARED.model, help: 'also check the weights against this network, e.g. resnet18' },
  classes: {
    ...SHARED.classes,
    needs: 'model',
    help: 'the class count',
    defaultText: 'the rows of fc.weight',
  },
} as const;

export const convertCommand = defineCommand({
  name: 'convert',
  summary: 'convert a PyTorch checkpoint (.pth/.pt) to .safetensors',
  usage: 'resblocks convert IN.pth OUT.safetensors [--model NAME] [--classes N]',
  about: `Converts a PyTorch checkpoint (torch.save of a state_dict, .pth/.pt, zip or legacy format)
to safetensors with torchvision state_dict names: the state_dict is taken out of a training
checkpoint ({'state_dict': ...}, {'model': ...}) and the 'module.' prefix DataParallel adds
is removed. Every tensor keeps its dtype (float32, float16, bfloat16, float64, and int64 for
the batch-norm counters). Nothing in the checkpoint is run: it is read by a restricted reader
that refuses any Python object other than tensors and dicts, naming it.`,
  examples: ['resblocks convert resnet18-f37072fd.pth resnet18.safetensors --model resnet18'],
  options: OPTIONS,
  positionals: ['IN.pth', 'OUT.safetensors'],
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) {
      throw usageError(
        `convert takes an input and an output file, got ${positionals.length} file name(s)`,
        'Run `resblocks convert --help` for an example',
      );
    }
    const [input, output] = positionals as [string, string];
    const { classes } = values;
    const read = await readWeightsFileAt(input);
    const checked =
      values.model !== undefined ? modelForWeights(values.model, input, read, classes) : undefined;
    const bytes = serializeEntries(read.tensors, {
      format: 'pt',
      source: basename(input),
      converter: 'resblocks convert',
    });
    await writeOutputFile(output, bytes, 'output file');
    const dtypes = new Map<string, number>();
    for (const e of read.tensors.values()) dtypes.set(e.dtype, (dtypes.get(e.dtype) ?? 0) + 1);
    const counts = [...dtypes].map(([d, n]) => `${n} ${d}`).join(', ');
    io.out(
      `wrote ${read.tensors.size} tensors (${counts}) from ${input} (${WEIGHTS_FORMAT_NAMES[read.format]}) to ${output} (${bytes.byteLength} bytes)`,
    );
    if (checked) io.out(`they match ${values.model}: ${describeWeights(input, checked)}`);
    return 0;
  },
});

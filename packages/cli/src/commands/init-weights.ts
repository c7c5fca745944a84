import { serializeSafetensors } from '@resblocks/spec';
import { intOption, parseCommandArgs, requireOption } from '../args.js';
import type { Command } from '../command.js';
import { writeOutputFile } from '../files.js';
import { classesOption, seededModel } from '../model-files.js';

const HELP = `Usage: resblocks init-weights --model NAME --output FILE.safetensors [--seed S] [--classes N]

Writes the spec's seeded weights of a model as a .safetensors file with torchvision
state_dict names (float32). The same model and seed always give the same bytes, in
every language that implements the spec's initializer.

Options:
  --model NAME      network name (e.g. resnet50, resnet8_cifar)
  --seed S          seed, an integer from 0 to 4294967295 (default 0)
  --classes N       class count of the fc layer (default: the model's, e.g. 1000)
  --output FILE     where to write the .safetensors file
  --verbose         print stack traces on errors
  -h, --help        show this help

Example:
  resblocks init-weights --model resnet8_cifar --seed 1 --output resnet8.safetensors
`;

export const initWeightsCommand: Command = {
  name: 'init-weights',
  summary: 'write seeded weights of a model as .safetensors',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('init-weights', argv, {
      model: { type: 'string' },
      seed: { type: 'string' },
      output: { type: 'string', short: 'o' },
      classes: { type: 'string' },
    });
    const model = requireOption('init-weights', 'model', values.model);
    const output = requireOption('init-weights', 'output', values.output);
    const seed = intOption('init-weights', 'seed', values.seed, 0, 0, 2 ** 32 - 1);
    const { graph, weights } = seededModel(model, classesOption('init-weights', values.classes), seed);
    const bytes = serializeSafetensors(weights, {
      format: 'pt',
      network: model,
      classes: String(graph.params.find((p) => p.name === 'fc.weight')?.shape[0] ?? ''),
      seed: String(seed),
      generator: 'resblocks init-weights',
    });
    await writeOutputFile(output, bytes, 'output file');
    io.out(
      `wrote ${weights.size} tensors of ${model} (seed ${seed}, ${bytes.byteLength} bytes) to ${output}`,
    );
    return 0;
  },
};

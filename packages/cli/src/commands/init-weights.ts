import { serializeSafetensors } from '@resblocks/spec';
import { defineCommand } from '../command.js';
import { writeOutputFile } from '../files.js';
import { seededModel } from '../model-files.js';
import { SHARED } from '../shared-options.js';

const OPTIONS = {
  model: { ...SHARED.model, required: true },
  seed: { type: 'int', min: 0, max: 2 ** 32 - 1, placeholder: 'S', default: 0, help: 'seed' },
  classes: { ...SHARED.classes, help: 'class count of the fc layer', defaultText: "the model's, e.g. 1000" },
  output: { ...SHARED.output, help: 'where to write the .safetensors file' },
} as const;

export const initWeightsCommand = defineCommand({
  name: 'init-weights',
  summary: 'write seeded weights of a model as .safetensors',
  usage: 'resblocks init-weights --model NAME --output FILE.safetensors [--seed S] [--classes N]',
  about: `Writes the spec's seeded weights of a model as a .safetensors file with torchvision
state_dict names (float32). The same model and seed always give the same bytes, in
every language that implements the spec's initializer.`,
  examples: ['resblocks init-weights --model resnet8_cifar --seed 1 --output resnet8.safetensors'],
  options: OPTIONS,
  async run({ values }, io) {
    const { model, output, seed } = values;
    const { graph, weights } = seededModel(model, values.classes, seed);
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
});

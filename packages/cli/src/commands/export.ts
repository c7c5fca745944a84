import { exportOnnx } from '@resblocks/onnx';
import { defineCommand } from '../command.js';
import { writeOutputFile } from '../files.js';
import { describeWeights, loadModelWeights, seededModel } from '../model-files.js';
import { SHARED } from '../shared-options.js';

const OPTIONS = {
  model: { ...SHARED.model, required: true },
  weights: {
    ...SHARED.weights,
    help: '.safetensors or PyTorch .pth/.pt weights; the class count comes from fc.weight',
    defaultText: "the spec's seeded weights, see --seed",
  },
  seed: {
    type: 'int',
    min: 0,
    max: 2 ** 32 - 1,
    placeholder: 'S',
    default: 0,
    conflicts: 'weights',
    help: 'seed of the generated weights',
  },
  classes: SHARED.classes,
  output: { ...SHARED.output, help: 'where to write the .onnx file' },
  'keep-batchnorm': { type: 'boolean', help: 'keep BatchNormalization nodes instead of folding them' },
} as const;

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export a model with its weights as ONNX',
  usage: `resblocks export --model NAME --output FILE.onnx [--weights FILE]
                        [--seed S] [--classes N] [--keep-batchnorm]`,
  about: `Exports a model with its weights as ONNX (opset 17): input 'input' float32
[batch, 3, height, width] with symbolic batch/height/width, output 'logits' [batch, classes].
Batch norm is folded into the convolutions unless --keep-batchnorm is given. The file runs in
onnxruntime (node, web) and any other ONNX runtime.`,
  examples: [
    'resblocks export --model resnet50 --weights resnet50.safetensors --output resnet50.onnx',
    'resblocks export --model resnet18 --weights finetuned.pth --output finetuned.onnx',
  ],
  options: OPTIONS,
  async run({ values }, io) {
    const { model: name, output, seed, classes } = values;
    const loaded =
      values.weights !== undefined ? await loadModelWeights(name, values.weights, classes) : undefined;
    const { graph, weights } = loaded ?? seededModel(name, classes, seed);
    const bytes = exportOnnx(graph, weights, { foldBatchNorm: !values['keep-batchnorm'] });
    await writeOutputFile(output, bytes, 'output file');
    const source = loaded ? describeWeights(values.weights!, loaded) : `seeded weights (seed ${seed})`;
    io.out(`wrote ${name} with ${source} as ONNX (${bytes.byteLength} bytes) to ${output}`);
    return 0;
  },
});

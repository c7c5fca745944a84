import type { Graph, Weights } from '@resblocks/spec';
import { importOptional } from '../adapters.js';
import { intOption, parseCommandArgs, requireOption } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { writeOutputFile } from '../files.js';
import { classesOption, describeWeights, loadModelWeights, seededModel } from '../model-files.js';

const HELP = `Usage: resblocks export --model NAME --output FILE.onnx [--weights FILE]
                        [--seed S] [--classes N] [--keep-batchnorm]

Exports a model with its weights as ONNX (opset 17): input 'input' float32
[batch, 3, height, width] with symbolic batch/height/width, output 'logits' [batch, classes].
Batch norm is folded into the convolutions unless --keep-batchnorm is given. The file runs in
onnxruntime (node, web) and any other ONNX runtime.

Options:
  --model NAME        network name (e.g. resnet50, resnet8_cifar)
  --weights FILE      .safetensors or PyTorch .pth/.pt weights (default: the spec's seeded
                      weights, see --seed); the class count comes from fc.weight
  --seed S            seed of the generated weights when no --weights is given (default 0)
  --classes N         class count of the model (default: fc.weight's rows, or the model's)
  --output FILE       where to write the .onnx file
  --keep-batchnorm    keep BatchNormalization nodes instead of folding them
  --verbose           print stack traces on errors
  -h, --help          show this help

Examples:
  resblocks export --model resnet50 --weights resnet50.safetensors --output resnet50.onnx
  resblocks export --model resnet18 --weights finetuned.pth --output finetuned.onnx
`;

type ExportOnnx = (graph: Graph, weights: Weights, options?: { foldBatchNorm?: boolean }) => Uint8Array;

async function loadExporter(): Promise<ExportOnnx> {
  const imported = await importOptional('@resblocks/onnx-web');
  if ('reason' in imported) {
    throw new CliError(
      `the ONNX exporter is not available: ${imported.reason}`,
      'Install and build @resblocks/onnx-web',
    );
  }
  const fn = imported.module.exportOnnx;
  if (typeof fn !== 'function') {
    throw new CliError('@resblocks/onnx-web does not export exportOnnx', 'Update @resblocks/onnx-web');
  }
  return fn as ExportOnnx;
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a model with its weights as ONNX',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('export', argv, {
      model: { type: 'string' },
      weights: { type: 'string' },
      seed: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'keep-batchnorm': { type: 'boolean' },
      classes: { type: 'string' },
    });
    const name = requireOption('export', 'model', values.model);
    const output = requireOption('export', 'output', values.output);
    if (values.weights !== undefined && values.seed !== undefined) {
      throw usageError('--seed applies only without --weights', 'Pass one of --weights or --seed');
    }
    const seed = intOption('export', 'seed', values.seed, 0, 0, 2 ** 32 - 1);
    const classes = classesOption('export', values.classes);
    const loaded =
      values.weights !== undefined ? await loadModelWeights(name, values.weights, classes) : undefined;
    const { graph, weights } = loaded ?? seededModel(name, classes, seed);
    const exportOnnx = await loadExporter();
    const bytes = exportOnnx(graph, weights, { foldBatchNorm: !values['keep-batchnorm'] });
    await writeOutputFile(output, bytes, 'output file');
    const source = loaded ? describeWeights(values.weights!, loaded) : `seeded weights (seed ${seed})`;
    io.out(`wrote ${name} with ${source} as ONNX (${bytes.byteLength} bytes) to ${output}`);
    return 0;
  },
};

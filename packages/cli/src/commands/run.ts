import { chooseBackend, formatShape, type ProbedBackend, ResblocksError, type Tensor } from '@resblocks/spec';
import { checkBackendName, loadAdapters, offMainThread, requireBackend, usable } from '../adapters.js';
import { CliError } from '../cli-error.js';
import { type Command, defineCommand } from '../command.js';
import { writeOutputFile } from '../files.js';
import { imagenetLabels, topK } from '../labels.js';
import { checkModelName, loadModelWeights } from '../model-files.js';
import { readModelInput } from '../model-input.js';
import { serializeNpy } from '../npy.js';
import { SHARED } from '../shared-options.js';

const OPTIONS = {
  model: { ...SHARED.model, required: true },
  weights: {
    ...SHARED.weights,
    required: true,
    help: ".safetensors or PyTorch .pth/.pt weights: torchvision's, your own fine-tuned ones, or those resblocks init-weights writes",
  },
  input: {
    type: 'string',
    short: 'i',
    placeholder: 'FILE',
    required: true,
    help: '.npy, .png or .jpg input, recognised by content',
  },
  backend: {
    type: 'string',
    placeholder: 'ID',
    help: 'adapter:backend, e.g. tfjs:wasm',
    defaultText: 'the one `resblocks backends` recommends here',
  },
  output: { ...SHARED.output, required: false, help: 'write the logits as float32 .npy' },
  top: {
    type: 'int',
    min: 0,
    max: 1000,
    placeholder: 'K',
    default: 5,
    help: 'how many classes to print per input, 0 for none',
  },
  classes: { ...SHARED.classes, defaultText: 'the rows of fc.weight' },
} as const;

async function pickBackend(
  id: string | undefined,
  io: Parameters<Command['run']>[1],
): Promise<ProbedBackend> {
  if (id !== undefined) return requireBackend(id);
  const chosen = await chooseBackend(usable(await loadAdapters()));
  io.err(`using ${chosen.id} (recommended here; pass --backend to choose)`);
  return chosen;
}

export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a model on an .npy tensor or an image',
  usage: `resblocks run --model NAME --weights FILE --input FILE
                     [--backend ADAPTER:BACKEND] [--output FILE.npy] [--top K] [--classes N]`,
  about: `Runs a model on one backend.

  --input FILE.npy        float32 array [N, 3, H, W] (numpy.save of a C-order array; float64
                          is converted to float32)
  --input FILE.png|.jpg   an image, preprocessed the standard ImageNet way: shorter side
                          resized to 256 (bilinear), center crop 224x224, scaled to [0, 1],
                          normalised with mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]

The weights (torchvision state_dict names) are a .safetensors file or a PyTorch checkpoint
(torch.save of a state_dict, .pth/.pt), told apart by their content; a checkpoint is read
without running anything in it. The class count comes from fc.weight (a fine-tuned model
with 10 classes runs as is) or --classes. The weights are checked against the model first:
missing, unexpected and mis-shaped keys are named. The logits [N, classes] are written as
float32 .npy with --output, and the top classes of each input are printed (with ImageNet
labels for 1000-class models).`,
  examples: [
    'resblocks run --model resnet50 --weights resnet50.safetensors --input cat.jpg',
    'resblocks run --model resnet18 --weights finetuned.pth --input cat.jpg',
    `resblocks run --model resnet8_cifar --weights w.safetensors --input x.npy \\
    --backend reference:float64 --output logits.npy`,
  ],
  options: OPTIONS,
  async run({ values }, io) {
    const { model: name, weights: weightsPath, input: inputPath, top, classes: numClasses } = values;
    checkModelName(name);
    // Names are checked before any file is read; whether the backend can run is probed later.
    if (values.backend !== undefined) await checkBackendName(values.backend);
    const { graph, weights } = await loadModelWeights(name, weightsPath, numClasses);
    const { tensor: input, image } = await readModelInput(inputPath, graph.inChannels, io);
    const backend = await pickBackend(values.backend, io);

    let t = performance.now();
    const adapter = offMainThread(backend.adapter, backend.backend);
    const model = await adapter.compile(graph, weights, { backend: backend.backend }).catch((e) => {
      if (e instanceof ResblocksError) throw e;
      throw new CliError(
        `${backend.id} failed to compile ${name}: ${(e as Error).message}`,
        'Try another --backend',
      );
    });
    const compileMs = performance.now() - t;
    let logits: Tensor;
    let runMs: number;
    try {
      t = performance.now();
      logits = await model.run(input).catch((e) => {
        if (e instanceof ResblocksError) throw e;
        throw new CliError(
          `${backend.id} failed to run ${name}: ${(e as Error).message}`,
          'Try another --backend',
        );
      });
      runMs = performance.now() - t;
    } finally {
      await model.dispose();
    }
    if (values.output !== undefined) {
      await writeOutputFile(values.output, serializeNpy(logits.shape, logits.data), 'output file');
    }
    const [n = 0, classes = 0] = logits.shape;
    const what = image
      ? `${inputPath} (224x224 after preprocessing)`
      : `${formatShape(input.shape)} from ${inputPath}`;
    io.out(
      `${name} on ${model.backend}: ${what} -> logits ${formatShape(logits.shape)} in ${runMs.toFixed(1)} ms (compile ${compileMs.toFixed(0)} ms)`,
    );
    if (values.output !== undefined) io.out(`wrote logits to ${values.output}`);
    if (top > 0 && classes > 0) {
      const names = classes === 1000 ? imagenetLabels() : undefined;
      const shown = Math.min(n, 8);
      for (let i = 0; i < shown; i++) {
        if (n > 1) io.out(`input ${i}:`);
        const row = logits.data.subarray(i * classes, (i + 1) * classes);
        for (const [rank, c] of topK(row, Math.min(top, classes), names).entries()) {
          const what = names ? `${c.label} (class ${c.index}` : `class ${c.index} (`;
          io.out(
            `  ${rank + 1}. ${(c.probability * 100).toFixed(2).padStart(6)}%  ${what}${names ? ', ' : ''}logit ${c.logit.toFixed(4)})`,
          );
        }
      }
      if (n > shown) io.out(`(top classes of the remaining ${n - shown} inputs are in the logits)`);
    }
    return 0;
  },
});

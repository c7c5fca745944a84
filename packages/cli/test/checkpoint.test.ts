import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseSafetensors, readWeights, seededInput } from '@resblocks/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/npy.js';
import { npyBytes } from './npy-bytes.js';
import { cli, errorLines, resblocks, tempDir } from './spawn.js';

/** PyTorch-written checkpoints and their safetensors twins, from @resblocks/spec's fixtures. */
const CHECKPOINTS = join(
  dirname(createRequire(import.meta.url).resolve('@resblocks/spec/package.json')),
  'fixtures',
  'checkpoints',
);
const PTH = join(CHECKPOINTS, 'resnet8_cifar-3class.pth');
const TWIN = join(CHECKPOINTS, 'resnet8_cifar-3class.safetensors');

let dir: string;
let input: string;
/** The twin's logits, from the first test. */
let twinLogits: number[];

beforeAll(() => {
  dir = tempDir();
  const x = seededInput([2, 3, 16, 16], 3);
  input = join(dir, 'x64.npy');
  // numpy's default float64; the values are float32 numbers, so nothing is lost in conversion
  writeFileSync(
    input,
    npyBytes(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 16, 16), }",
      new Uint8Array(Float64Array.from(x.data).buffer),
    ),
  );
});

async function logits(
  weights: string,
  extra: string[] = [],
): Promise<{ y: Float32Array; stdout: string; stderr: string }> {
  const out = join(dir, `y-${Math.random().toString(36).slice(2)}.npy`);
  const r = await resblocks(
    cli(
      'run',
      { model: 'resnet8_cifar', weights, input, backend: 'reference:float64', output: out },
      ...extra,
    ),
  );
  expect(r.code, r.stderr).toBe(0);
  const y = parseNpy(new Uint8Array(readFileSync(out)));
  expect(y.shape).toEqual([2, 3]);
  return { y: y.data, stdout: r.stdout, stderr: r.stderr };
}

describe('PyTorch checkpoints on the command line', () => {
  it('a fine-tuned .pth runs with the same logits as its safetensors twin, classes from fc.weight', async () => {
    const a = await logits(PTH);
    twinLogits = [...(await logits(TWIN)).y];
    expect([...a.y]).toEqual(twinLogits);
    expect(a.stdout).toContain('logits [2, 3]');
    // the float64 input is converted, said in one line
    expect(a.stderr.split('\n').filter((l) => l.includes('float64'))).toEqual([
      `input '${input}' is float64; converted to float32`,
    ]);
  });

  it('convert writes torchvision-named safetensors that run the same', async () => {
    const out = join(dir, 'converted.safetensors');
    const r = await resblocks(['convert', PTH, out, '--model', 'resnet8_cifar']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote 56 tensors \(47 F32, 9 I64\) from .* \(PyTorch checkpoint\) to /);
    expect(r.stdout).toContain('3 classes from fc.weight');
    const converted = parseSafetensors(new Uint8Array(readFileSync(out)));
    const twin = parseSafetensors(new Uint8Array(readFileSync(TWIN)));
    expect([...converted.tensors.keys()]).toEqual([...twin.tensors.keys()]);
    for (const [k, e] of twin.tensors)
      expect(Buffer.from(converted.tensors.get(k)!.bytes).equals(Buffer.from(e.bytes)), k).toBe(true);
    expect(readWeights(new Uint8Array(readFileSync(out))).size).toBe(56);
    expect([...(await logits(out)).y]).toEqual(twinLogits);
  });

  it('refuses a checkpoint that would run code, naming the global', async () => {
    const r = await resblocks(
      cli('convert', {}, join(CHECKPOINTS, 'malicious-os-system.pth'), join(dir, 'm.safetensors')),
    );
    expect(r.code).toBe(1);
    const [line] = errorLines(r.stderr);
    expect(line).toContain("refers to the Python global 'posix.system'");
    expect(line).toContain('torch.save(model.state_dict(), path)');
    const run = await resblocks(
      cli('run', { model: 'resnet8_cifar', weights: join(CHECKPOINTS, 'whole-module.pth'), input }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)[0]).toContain("'torch.nn.modules.linear.Linear'");
  });

  it('--classes sets the class count where there are no weights, and must agree with them', async () => {
    const w = join(dir, 'rn8-5.safetensors');
    const init = await resblocks(cli('init-weights', { model: 'resnet8_cifar', classes: '5', output: w }));
    expect(init.code, init.stderr).toBe(0);
    expect(parseSafetensors(new Uint8Array(readFileSync(w))).tensors.get('fc.weight')!.shape).toEqual([
      5, 64,
    ]);
    const wrong = await resblocks(
      cli('run', {
        model: 'resnet8_cifar',
        weights: w,
        classes: '7',
        input,
        backend: 'reference:float64',
      }),
    );
    expect(wrong.code).toBe(1);
    expect(errorLines(wrong.stderr)[0]).toContain('fc.weight expected [7, 64] got [5, 64]');
    const onnx = join(dir, 'rn8.onnx');
    const exp = await resblocks(['export', '--model', 'resnet8_cifar', '--weights', PTH, '--output', onnx]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout).toContain('(PyTorch checkpoint, 3 classes from fc.weight)');
  });

  it('names a file that is neither safetensors nor a checkpoint', async () => {
    const r = await resblocks(['convert', input, join(dir, 'n.safetensors')]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(
      /not a weights file: .* it is a \.npy array\. Pass a \.safetensors file or a PyTorch/,
    );
  });
});

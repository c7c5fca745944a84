import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initWeights, networkGraph, serializeSafetensors, type Tensor } from '@resblocks/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSeededFiles } from './fixtures-files.js';
import { f32Npy, npyBytes } from './npy-bytes.js';
import { cli, errorLines, resblocks, tempDir } from './spawn.js';

let dir: string;
let files: ReturnType<typeof writeSeededFiles>;

beforeAll(() => {
  dir = tempDir();
  files = writeSeededFiles(dir);
});

const run = (overrides: Record<string, string>, extra: string[] = []) => {
  const opts = {
    model: 'resnet8_cifar',
    weights: files.weights,
    input: files.input,
    backend: 'reference:float64',
    ...overrides,
  };
  return resblocks(cli('run', opts, ...extra));
};

/** Exactly one `resblocks: error:` line, no stack trace, with the expected exit code. */
async function expectError(
  pending: ReturnType<typeof resblocks>,
  code: number,
  ...fragments: (string | RegExp)[]
): Promise<string> {
  const r = await pending;
  const lines = errorLines(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0]!;
  expect(line).toMatch(/^resblocks: error: .+\. .+\.$/);
  for (const f of fragments) expect(line).toMatch(f);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.code, line).toBe(code);
  return line;
}

describe('usage errors exit 2 and list the valid choices', () => {
  it('unknown model', async () => {
    await expectError(
      run({ model: 'resnet9000' }),
      2,
      "unknown model 'resnet9000'",
      /known models: resnet18, .*resnet8_cifar/,
    );
    await expectError(
      resblocks(['init-weights', '--model', 'vgg16', '--output', join(dir, 'v.safetensors')]),
      2,
      "unknown model 'vgg16'",
    );
  });

  it('unknown backend', async () => {
    await expectError(
      run({ backend: 'nope:cpu' }),
      2,
      "unknown backend 'nope:cpu'",
      /known backends: .*reference:float64/,
    );
    await expectError(run({ backend: 'reference:float32' }), 2, 'reference offers reference:float64');
    await expectError(run({ backend: 'tfjs' }), 2, 'not of the form adapter:backend');
    await expectError(resblocks(['verify', '--backends', 'nope']), 2, "unknown backend 'nope'");
  });

  it('unknown command, unknown option, missing option, bad number', async () => {
    await expectError(resblocks(['frobnicate']), 2, "unknown command 'frobnicate'", /verify, run, bench/);
    await expectError(resblocks(['run', '--colour']), 2, "Unknown option '--colour'", /resblocks run --help/);
    await expectError(resblocks(['run', '--model', 'resnet8_cifar']), 2, 'run needs --weights');
    await expectError(
      resblocks(['init-weights', '--model', 'resnet8_cifar', '--seed', 'x', '--output', 'w.safetensors']),
      2,
      "--seed must be an integer from 0 to 4294967295, got 'x'",
    );
  });
});

describe('bad files exit 1 with a message naming the problem', () => {
  it('missing file', async () => {
    const missing = join(dir, 'nope.npy');
    await expectError(run({ input: missing }), 1, `input file '${missing}' does not exist`);
    await expectError(
      run({ weights: join(dir, 'nope.safetensors') }),
      1,
      /weights file '.*nope.safetensors' does not exist/,
    );
  });

  it('.npy of float16 (float64 is converted, other dtypes are not)', async () => {
    const path = join(dir, 'f16.npy');
    writeFileSync(
      path,
      npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 3, 8, 8), }", new Uint8Array(2 * 192)),
    );
    await expectError(run({ input: path }), 1, "dtype '<f2' (float16)", 'float32');
  });

  it('.npy of the wrong rank or channel count', async () => {
    const rank3 = join(dir, 'rank3.npy');
    writeFileSync(rank3, f32Npy([3, 32, 32], new Float32Array(3 * 32 * 32)));
    await expectError(run({ input: rank3 }), 1, 'shape [3, 32, 32] (rank 3); expected rank 4 [N, 3, H, W]');
    const gray = join(dir, 'gray.npy');
    writeFileSync(gray, f32Npy([1, 1, 32, 32], new Float32Array(32 * 32)));
    await expectError(run({ input: gray }), 1, 'with 1 channels');
  });

  it('.npy in Fortran order or with a truncated body', async () => {
    const fortran = join(dir, 'fortran.npy');
    writeFileSync(
      fortran,
      npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 8, 8), }", new Uint8Array(4 * 192)),
    );
    await expectError(run({ input: fortran }), 1, 'Fortran order');
    const short = join(dir, 'short.npy');
    writeFileSync(short, readFileSync(files.input).subarray(0, 1000));
    await expectError(run({ input: short }), 1, /needs 24576 bytes of float32 data but the file holds \d+/);
  });

  it('mis-shaped, missing and unexpected weights are named', async () => {
    const graph = networkGraph('resnet8_cifar');
    const base = initWeights(graph, 1);
    const save = (name: string, w: Map<string, Tensor>) => {
      const p = join(dir, name);
      writeFileSync(p, serializeSafetensors(w));
      return p;
    };
    const shaped = new Map(base);
    shaped.set('conv1.weight', { shape: [8, 3, 3, 3], data: new Float32Array(8 * 27) });
    await expectError(
      run({ weights: save('shape.safetensors', shaped) }),
      1,
      'conv1.weight expected [16, 3, 3, 3] got [8, 3, 3, 3]',
    );
    const missing = new Map(base);
    missing.delete('fc.bias');
    await expectError(run({ weights: save('missing.safetensors', missing) }), 1, 'missing 1 key(s): fc.bias');
    const extra = new Map(base);
    extra.set('head.weight', { shape: [1], data: new Float32Array(1) });
    await expectError(
      run({ weights: save('extra.safetensors', extra) }),
      1,
      'unexpected 1 key(s): head.weight',
    );
    const rn20 = initWeights(networkGraph('resnet20_cifar'), 1);
    await expectError(
      run({ weights: save('rn20.safetensors', rn20) }),
      1,
      /unexpected \d+ key\(s\): layer1\.1\./,
    );
  });

  it('truncated safetensors', async () => {
    const path = join(dir, 'truncated.safetensors');
    const bytes = readFileSync(files.weights);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectError(
      run({ weights: path }),
      1,
      `weights file '${path}': invalid safetensors file`,
      'lies outside',
    );
    writeFileSync(path, bytes.subarray(0, 5));
    await expectError(run({ weights: path }), 1, 'not a weights file', 'only 5 bytes long');
  });

  it('--verbose adds the stack trace', async () => {
    const r = await run({ model: 'resnet9000' }, ['--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe('outputs are written whole or not at all', () => {
  it('a failing run leaves no output and no temporary file', async () => {
    const out = join(dir, 'never.npy');
    await expectError(run({ model: 'resnet20_cifar', output: out }), 1, 'missing 60 key(s)');
    expect(existsSync(out)).toBe(false);
    const sub = join(dir, 'is-a-directory');
    mkdirSync(sub);
    await expectError(run({ output: sub }), 1, `cannot write output file '${sub}'`);
    await expectError(run({ output: join(dir, 'no', 'such', 'y.npy') }), 1, 'does not exist');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  classesOf,
  detectWeightsFormat,
  networkGraph,
  parseCheckpoint,
  parseSafetensors,
  readCheckpoint,
  readWeights,
  readWeightsFile,
  runReference,
  seededInput,
  serializeEntries,
  validateWeights,
} from '../src/index.js';
import { checkpointManifest, fixtureBytes, sha256 } from './checkpoint-files.js';
import { expectError } from './expect-error.js';

const manifest = checkpointManifest();
const checkpoints = manifest.files.filter((f) => f.kind === 'checkpoint');
const refused = manifest.files.filter((f) => f.kind === 'refused');

describe('PyTorch checkpoint fixtures', () => {
  it('are the files the generator wrote, and small', () => {
    let total = 0;
    for (const f of manifest.files) {
      const bytes = fixtureBytes(f.file);
      expect(bytes.byteLength, f.file).toBe(f.bytes);
      expect(sha256(bytes), f.file).toBe(f.sha256);
      total += bytes.byteLength;
    }
    expect(total).toBeLessThan(1_000_000);
    expect(checkpoints.length).toBeGreaterThanOrEqual(12);
  });

  it.each(checkpoints.map((f) => [f.file, f] as const))('%s reads as the tensors PyTorch saved', (_, f) => {
    const bytes = fixtureBytes(f.file);
    expect(detectWeightsFormat(bytes)).toBe(f.format === 'legacy' ? 'pytorch-legacy' : 'pytorch-zip');
    expect(parseCheckpoint(bytes).format).toBe(f.format ?? 'zip');
    const weights = readWeightsFile(bytes);
    const twin = readWeights(fixtureBytes(f.twin!));
    const prefix = f.prefix ?? '';
    const expectedKeys = [...twin.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      // nn.Parameter holds only float tensors: the BN counter is not among them
      .filter((k) => !f.file.includes('parameters') || !k.endsWith('num_batches_tracked'));
    expect([...weights.keys()]).toEqual(expectedKeys);
    for (const [k, t] of weights) {
      const e = twin.get(prefix + k)!;
      expect(t.shape, k).toEqual(e.shape);
      // bit for bit: the same float32 PyTorch computes from each dtype
      expect(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength),
        ),
        k,
      ).toBe(true);
    }
  });

  it('a fine-tuned resnet8_cifar .pth gives the same logits as its safetensors twin', () => {
    const f = checkpoints.find((c) => c.network)!;
    const pth = readWeightsFile(fixtureBytes(f.file));
    const st = readWeightsFile(fixtureBytes(f.twin!));
    expect(classesOf(pth)).toBe(f.classes);
    const graph = networkGraph(f.network!, { numClasses: classesOf(pth) });
    const x = seededInput([2, 3, 16, 16], 5);
    const a = runReference(graph, validateWeights(graph, pth), x);
    const b = runReference(graph, validateWeights(graph, st), x);
    expect(a.shape).toEqual([2, f.classes]);
    expect([...a.data]).toEqual([...b.data]);
    // and the default 10-class graph names the mismatch instead of running
    const err = expectError(() => validateWeights(networkGraph(f.network!), pth), 'WEIGHTS_SHAPE');
    expect(err.message).toContain('fc.weight expected [10, 64] got [3, 64]');
  });

  it.each(refused.map((f) => [f.file, f] as const))('%s is refused with a typed error', (_, f) => {
    const err = expectError(() => readWeightsFile(fixtureBytes(f.file)), f.code as 'CHECKPOINT_FORMAT');
    if (f.glob) {
      expect(err.message).toContain(`'${f.glob}'`);
      expect(err.details.global).toBe(f.glob);
    }
  });

  it('entries keep their dtype through serializeEntries (what `resblocks convert` writes)', () => {
    for (const name of ['tiny-bfloat16.pth', 'tiny-float16.pth', 'tiny-legacy.pth']) {
      const { tensors } = parseCheckpoint(fixtureBytes(name));
      const back = parseSafetensors(serializeEntries(tensors, { source: name })).tensors;
      expect([...back.keys()]).toEqual([...tensors.keys()]);
      for (const [k, e] of tensors) {
        const b = back.get(k)!;
        expect([b.dtype, b.shape], k).toEqual([e.dtype, e.shape]);
        expect(Buffer.from(b.bytes).equals(Buffer.from(e.bytes)), k).toBe(true);
      }
      expect(tensors.get('bn1.num_batches_tracked')!.dtype).toBe('I64');
    }
  });

  it('readCheckpoint refuses a safetensors file, readWeightsFile reads both', () => {
    const st = fixtureBytes('tiny-float32-twin.safetensors');
    expect(detectWeightsFormat(st)).toBe('safetensors');
    expect(readWeightsFile(st).size).toBe(readWeights(st).size);
    expectError(() => readCheckpoint(st), 'CHECKPOINT_FORMAT');
  });

  it('weights files in no known format get WEIGHTS_FORMAT naming what they are', () => {
    const npy = new Uint8Array([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, 0, 0]);
    const tar = new Uint8Array(600);
    tar.set(new TextEncoder().encode('ustar'), 257);
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'empty'],
      [npy, '.npy array'],
      [tar, 'tar archive'],
      [
        Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0, 0x4e, 0x4e, 0x73, 0x2e]),
        'pickle without the PyTorch header',
      ],
      [new TextEncoder().encode('hello, this is text'), 'match none'],
      [Uint8Array.from([1, 2, 3]), '3 bytes'],
    ];
    for (const [bytes, what] of cases) {
      const err = expectError(() => readWeightsFile(bytes), 'WEIGHTS_FORMAT');
      expect(err.message).toContain(what);
    }
  });

  it('the reader bundles for the browser without Node built-ins', async () => {
    const out = await build({
      entryPoints: [new URL('../src/weights/weights-file.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    expect(code).toContain('readWeightsFile');
    expect(code).not.toMatch(/from\s*["']node:|require\(["'](node:)?(fs|path|worker_threads)["']\)/);
  });
});

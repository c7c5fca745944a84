/**
 * The readers of untrusted bytes the fuzzer exercises, one entry each. To fuzz another reader, add
 * an entry to FUZZ_TARGETS: its seed files, the read, and the error codes it may reject with.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeImage, imagenet } from '@resblocks/image';
import {
  type ErrorCode,
  initWeights,
  Mulberry32,
  networkGraph,
  readWeights,
  readWeightsFile,
  serializeSafetensors,
  sizeOf,
  writeWeights,
} from '@resblocks/spec';
import { parseNpy, serializeNpy } from '../../src/npy.js';
import { fixPngCrcs, jpegFile, jpegFrameOffset, pilJpeg, pngFile } from '../image-files.js';
import { EDGE_SIDES, type Mutation, pick } from './mutate.js';

export interface FuzzTarget {
  /** Name in `--readers` and in the report. */
  readonly name: string;
  /** Valid files the mutations start from (small: each iteration copies one). */
  seeds(): Uint8Array[];
  /** The reader under test, as the command line calls it; throws (or rejects) on a bad file. */
  read(file: Uint8Array): void | Promise<void>;
  /** The typed errors (ResblocksError or ImageError codes) a bad file may be rejected with; anything else fails. */
  readonly codes: readonly ErrorCode[];
  /** Format-aware mutations drawn alongside the generic ones. */
  readonly mutations?: Readonly<Record<string, Mutation>>;
  /** Applied after mutating, e.g. PNG checksums recomputed so they do not hide the rest. */
  fixup?(file: Uint8Array): Uint8Array;
}

function expectThat(ok: boolean, message: string): void {
  if (!ok) throw new Error(`inconsistent result: ${message}`);
}

const floats = (n: number, seed: number) => {
  const rng = new Mulberry32(seed);
  return Float32Array.from({ length: n }, () => rng.symmetric());
};

/** @resblocks/image's decoders, then its ImageNet preset: the fixed input shape, finite values. */
async function readImage(file: Uint8Array): Promise<void> {
  const img = await decodeImage(file, { name: 'fuzz-input' });
  expectThat(img.data.length === 3 * img.width * img.height, 'RGB size');
  const t = imagenet(img);
  expectThat(t.data.length === 3 * 224 * 224 && t.data.every(Number.isFinite), 'preprocessed tensor');
}

/** The spec's small torch.save fixtures (zip and legacy formats, float16/32/64, bfloat16, wrappers). */
function checkpointSeeds(): Uint8Array[] {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@resblocks/spec/package.json')),
    'fixtures/checkpoints',
  );
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    files: { file: string; kind: string; bytes: number }[];
  };
  return manifest.files
    .filter((f) => f.kind === 'checkpoint' && f.bytes < 16_384)
    .map((f) => new Uint8Array(readFileSync(join(dir, f.file))));
}

/** An image header declaring other dimensions: `at` finds the fields, `bytes` is their width. */
function declareSize(at: (file: Uint8Array) => number, bytes: 2 | 4, heightFirst: boolean): Mutation {
  return (file, rng) => {
    const out = file.slice();
    let offset: number;
    try {
      offset = at(out);
    } catch {
      return out; // an earlier mutation removed the header
    }
    if (offset + 2 * bytes > out.length) return out;
    const view = new DataView(out.buffer);
    const [w, h] = [pick(rng, EDGE_SIDES), pick(rng, EDGE_SIDES)];
    const set = (o: number, v: number) => (bytes === 2 ? view.setUint16(o, v) : view.setUint32(o, v));
    set(offset, heightFirst ? h : w);
    set(offset + bytes, heightFirst ? w : h);
    return out;
  };
}

/** The npy header with another format version (2.0 and 3.0 have a 4-byte header length). */
function npyVersion(file: Uint8Array, major: 2 | 3): Uint8Array {
  const headerLen = new DataView(file.buffer, file.byteOffset).getUint16(8, true);
  const out = new Uint8Array(file.length + 2);
  out.set(file.subarray(0, 8));
  out[6] = major;
  new DataView(out.buffer).setUint32(8, headerLen, true);
  out.set(file.subarray(10), 12);
  return out;
}

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'safetensors',
    seeds: () => [
      serializeSafetensors(
        new Map([
          ['conv1.weight', { shape: [4, 3, 3, 3], data: floats(108, 1) }],
          ['bn1.weight', { shape: [4], data: floats(4, 2) }],
          ['bn1.running_var', { shape: [4], data: floats(4, 3) }],
        ]),
        { format: 'pt' },
      ),
      serializeSafetensors(
        new Map([
          ['expected', { shape: [2, 3], data: Float64Array.from(floats(6, 4)) }],
          ['empty', { shape: [0, 2], data: new Float32Array(0) }],
          ['scalar', { shape: [], data: floats(1, 5) }],
        ]),
      ),
      writeWeights(initWeights(networkGraph('resnet8_cifar'), 0)),
    ],
    read(file) {
      for (const [name, t] of readWeights(file)) {
        if (!name.endsWith('.num_batches_tracked'))
          expectThat(t.data.length === sizeOf(t.shape), `tensor ${name} size`);
      }
    },
    codes: ['SAFETENSORS_FORMAT', 'WEIGHTS_DTYPE'],
  },
  {
    name: 'pytorch',
    seeds: checkpointSeeds,
    read(file) {
      for (const [name, t] of readWeightsFile(file)) {
        if (!name.endsWith('.num_batches_tracked'))
          expectThat(t.data.length === sizeOf(t.shape), `tensor ${name} size`);
      }
    },
    codes: ['WEIGHTS_FORMAT', 'CHECKPOINT_FORMAT', 'CHECKPOINT_GLOBAL', 'WEIGHTS_DTYPE'],
  },
  {
    name: 'npy',
    seeds: () => {
      const v1 = serializeNpy([2, 3, 4, 5], floats(120, 5));
      return [
        v1,
        serializeNpy([1, 3, 8, 8], floats(192, 6)),
        serializeNpy([7], floats(7, 7)),
        npyVersion(v1, 2),
        npyVersion(v1, 3),
      ];
    },
    read(file) {
      const a = parseNpy(file);
      expectThat(a.data.length === sizeOf(a.shape), 'data length matches the shape');
    },
    codes: ['NPY_FORMAT', 'INPUT_DTYPE'],
  },
  {
    name: 'png',
    seeds: () => [
      pngFile({ width: 48, height: 32 }),
      pngFile({ width: 33, height: 17, colorType: 2, interlaced: true }),
      pngFile({ width: 20, height: 20, colorType: 3, bitDepth: 4 }),
      pngFile({ width: 9, height: 7, colorType: 0, bitDepth: 16 }),
      pngFile({ width: 12, height: 5, colorType: 4 }),
      pngFile({ width: 3, height: 64, colorType: 0, bitDepth: 1, interlaced: true }),
    ],
    read: readImage,
    codes: ['IMAGE_FORMAT', 'INPUT_TOO_LARGE'],
    mutations: { declareSize: declareSize(() => 16, 4, false) },
    fixup: fixPngCrcs,
  },
  {
    name: 'jpeg',
    seeds: () => [
      jpegFile(17, 64, 30),
      pilJpeg('optimized-q30.jpg'),
      pilJpeg('gray-progressive.jpg'),
      pilJpeg('baseline-422.jpg'),
    ],
    read: readImage,
    codes: ['IMAGE_FORMAT', 'INPUT_TOO_LARGE'],
    // The frame header holds precision, then height and width.
    mutations: { declareSize: declareSize((f) => jpegFrameOffset(f) + 1, 2, true) },
  },
];

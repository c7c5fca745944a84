import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FashionImages, TrainedSet } from '@resblocks/spec/trained';
import { parseIdx } from '@resblocks/spec/trained';
import { CliError } from './cli-error.js';
import { readInputFile } from './files.js';

/** Where Debian's dataset-fashion-mnist package installs the IDX files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
/** The folder of the test set when --data is not given, if it is not Debian's. */
export const FASHION_MNIST_ENV = 'RESBLOCKS_FASHION_MNIST';

/** The test set's folder without --data: $RESBLOCKS_FASHION_MNIST, else Debian's. */
export function defaultFashionMnistDir(): string {
  return process.env[FASHION_MNIST_ENV] || DEBIAN_FASHION_MNIST;
}

const IMAGES = 't10k-images-idx3-ubyte';
const LABELS = 't10k-labels-idx1-ubyte';
/** The IDX files are 7.8 MB and 10 kB unpacked; anything far larger is not the test set. */
const MAX_BYTES = 64 * 2 ** 20;

function missing(dir: string): CliError {
  return new CliError(
    `the full Fashion-MNIST test set is not installed: ${join(dir, `${IMAGES}.gz`)} and ${join(dir, `${LABELS}.gz`)} (or their unpacked forms) are needed for --limit above the shipped sample`,
    'Install it with `apt-get install dataset-fashion-mnist` (Debian), pass --data DIR with the IDX files, or use the shipped sample (--limit 500 or less)',
  );
}

/** One IDX file, gzipped (name.gz) or not (name); sizes are checked before reading or unpacking. */
async function readIdx(dir: string, name: string) {
  for (const [file, gz] of [
    [`${name}.gz`, true],
    [name, false],
  ] as const) {
    const path = join(dir, file);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) continue;
    let bytes = await readInputFile(path, 'test-set file', MAX_BYTES);
    if (gz) {
      try {
        bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_BYTES }));
      } catch (e) {
        throw new CliError(`'${path}' is not a valid gzip file: ${(e as Error).message}`, 'Check --data');
      }
    }
    return parseIdx(bytes, path);
  }
  return undefined;
}

/**
 * The Fashion-MNIST test set from `dir`. It must be the one PyTorch's logits belong to: as many
 * images as the manifest says, and its first images and labels equal to the shipped sample.
 */
export async function readFashionTestSet(dir: string, set: TrainedSet): Promise<FashionImages> {
  const images = await readIdx(dir, IMAGES);
  const labels = await readIdx(dir, LABELS);
  if (!images || !labels) throw missing(dir);
  const { size, count } = set.sample;
  const n = set.manifest.dataset.testImages;
  const shapeOk =
    images.dims.length === 3 && images.dims[0] === n && images.dims[1] === size && images.dims[2] === size;
  if (!shapeOk || labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw new CliError(
      `the test set in ${dir} has images [${images.dims.join(', ')}] and labels [${labels.dims.join(', ')}]; Fashion-MNIST's has [${n}, ${size}, ${size}] and [${n}]`,
      'Point --data at the Fashion-MNIST test set (t10k files)',
    );
  }
  const head = count * size * size;
  const same =
    images.data.subarray(0, head).every((v, i) => v === set.sample.images[i]) &&
    labels.data.subarray(0, count).every((v, i) => v === set.sample.labels[i]);
  if (!same) {
    throw new CliError(
      `the test set in ${dir} is not the one the shipped logits belong to: its first ${count} images or labels differ from the shipped sample`,
      'Point --data at the Fashion-MNIST test set (t10k files)',
    );
  }
  return { count: n, size, images: images.data, labels: labels.data };
}

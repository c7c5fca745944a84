import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TrainedSet } from '@resblocks/spec/trained';

/** An IDX file: magic 0x0000 0x08 rank, big-endian dims, data. */
export function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint8(2, 8);
  head.setUint8(3, dims.length);
  for (const [i, d] of dims.entries()) head.setUint32(4 + 4 * i, d);
  const out = new Uint8Array(head.byteLength + data.byteLength);
  out.set(new Uint8Array(head.buffer));
  out.set(data, head.byteLength);
  return out;
}

/** The t10k IDX pair in `dir` (gzipped or not), for the given images and labels. */
export function writeTestSet(dir: string, images: Uint8Array, labels: Uint8Array, gz: boolean): string {
  mkdirSync(dir, { recursive: true });
  const pack = (b: Uint8Array) => (gz ? gzipSync(b, { level: 1 }) : b);
  const ext = gz ? '.gz' : '';
  const n = labels.length;
  const side = Math.round(Math.sqrt(images.length / n));
  writeFileSync(join(dir, `t10k-images-idx3-ubyte${ext}`), pack(idx([n, side, side], images)));
  writeFileSync(join(dir, `t10k-labels-idx1-ubyte${ext}`), pack(idx([n], labels)));
  return dir;
}

/**
 * A stand-in for the Fashion-MNIST test set where the real one is not installed: as many images
 * as the manifest says, the first ones the shipped sample (which is all the reader checks) and the
 * rest copies of it. Enough for a command to start on it; not for measuring accuracy.
 */
export function writeFashionStandIn(dir: string, set: TrainedSet): string {
  const n = set.manifest.dataset.testImages;
  const { size, count, images: sample, labels: sampleLabels } = set.sample;
  const plane = size * size;
  const images = new Uint8Array(n * plane);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i += count) {
    const k = Math.min(count, n - i);
    images.set(sample.subarray(0, k * plane), i * plane);
    labels.set(sampleLabels.subarray(0, k), i);
  }
  return writeTestSet(dir, images, labels, false);
}

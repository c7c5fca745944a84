import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrained, type TrainedSet } from '@resblocks/spec/trained';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveBackends } from '../src/adapters.js';
import { CliError } from '../src/cli-error.js';
import { readFashionTestSet } from '../src/test-set.js';
import { writeTestSet } from './fashion-stand-in.js';
import { cli, resblocks, tempDir } from './spawn.js';

let dir: string;
let set: TrainedSet;
/** Fast backends for the sample run (wasm; the reference when none can run). */
let backends: string[];

beforeAll(async () => {
  dir = tempDir();
  set = await loadTrained({ models: ['resnet20_cifar'] });
  const probed = await resolveBackends(['tfjs:wasm', 'onnx-web:wasm']);
  backends = probed.filter((b) => !b.reason).map((b) => b.id);
  if (!backends.length) backends = ['reference:float64'];
});

describe('resblocks accuracy', () => {
  it('runs the shipped sample, prints the table and agrees with PyTorch', async () => {
    const json = join(dir, 'accuracy.json');
    const limit = backends[0] === 'reference:float64' ? 5 : 100;
    const r = await resblocks(cli('accuracy', { backends: backends.join(','), limit: String(limit), json }));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/resnet20_cifar trained on Fashion-MNIST, the first \d+ test images/);
    expect(r.stdout).toMatch(
      /│ backend\s+│\s+top-1 │\s+agrees with PyTorch │\s+disagreements │\s+worst logit error │\s+images\/s │/,
    );
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc).toMatchObject({ model: 'resnet20_cifar', images: limit, source: 'sample' });
    expect(doc.results.map((x: { backend: string }) => x.backend)).toEqual(backends);
    for (const res of doc.results) {
      expect(res.summary.images).toBe(limit);
      expect(res.summary.worstFraction).toBeLessThanOrEqual(1);
      expect(res.summary.disagreements.every((d: { explained: boolean }) => d.explained)).toBe(true);
      expect(res.summary.referenceCorrect).toBe(doc.pytorch.correct);
      expect(r.stdout).toContain(`${((100 * res.summary.correct) / limit).toFixed(2)}%`);
    }
  });

  it('says what is missing when the full test set is not installed', async () => {
    const r = await resblocks(['accuracy', '--limit', '600', '--data', join(dir, 'nowhere')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the full Fashion-MNIST test set is not installed');
    expect(r.stderr).toContain('apt-get install dataset-fashion-mnist');
  });

  it('names the trained models for an unknown one', async () => {
    const r = await resblocks(['accuracy', '--model', 'resnet50']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no trained model 'resnet50'; trained: resnet20_cifar, resnext29_8x4d_cifar/);
  });
});

describe('readFashionTestSet', () => {
  const n = 10_000;
  const plane = 28 * 28;
  const writeSet = (name: string, images: Uint8Array, labels: Uint8Array, gz: boolean) =>
    writeTestSet(join(dir, name), images, labels, gz);
  const images = new Uint8Array(n * plane);
  const labels = new Uint8Array(n);

  beforeAll(() => {
    images.set(set.sample.images);
    labels.set(set.sample.labels);
  });

  it('reads gzipped and plain IDX files whose first images are the shipped sample', async () => {
    for (const gz of [true, false]) {
      const t = await readFashionTestSet(writeSet(`ok-${gz}`, images, labels, gz), set);
      expect(t.count).toBe(n);
      expect(t.images.subarray(0, 500 * plane)).toEqual(set.sample.images);
    }
  });

  it('rejects another data set and a missing folder', async () => {
    const other = images.slice();
    other[3 * plane + 100]! ^= 0xff;
    await expect(readFashionTestSet(writeSet('other', other, labels, true), set)).rejects.toThrow(
      /not the one the shipped logits belong to/,
    );
    await expect(readFashionTestSet(join(dir, 'missing'), set)).rejects.toBeInstanceOf(CliError);
  });
});

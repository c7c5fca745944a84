import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareTensors, describeComparison, errorModel, networkGraph, runReference } from '../src/index.js';
import {
  AccuracyTally,
  accuracyProblem,
  fashionInput,
  loadTrained,
  MAX_PICTURE_PIXELS,
  parseIdx,
  parseTrained,
  pictureToFashion,
  pixelTable,
  type TrainedManifest,
  type TrainedSet,
  top2,
  trainedDir,
  trainedFiles,
} from '../src/trained/index.js';
import { expectError } from './expect-error.js';

const set: TrainedSet = await loadTrained();

const throws = (fn: () => unknown, code: Parameters<typeof expectError>[1], message: RegExp) =>
  expect(expectError(fn, code).message).toMatch(message);
const { preprocess, sample } = set;

describe('trained networks', () => {
  it('ship every trained model with weights, logits and a test accuracy of at least 91%', () => {
    expect(set.models.map((m) => m.name)).toEqual(['resnet20_cifar', 'resnext29_8x4d_cifar']);
    for (const m of set.models) {
      expect(m.entry.testAccuracy, m.name).toBeGreaterThanOrEqual(0.91);
      expect(m.logits.length).toBe(set.manifest.dataset.testImages * set.classes.length);
    }
    expect(sample.count).toBe(500);
    expect(set.classes).toHaveLength(10);
  });

  it("the manifest's sample accuracy is what the shipped logits and labels give", () => {
    const k = set.classes.length;
    for (const m of set.models) {
      let correct = 0;
      for (let i = 0; i < sample.count; i++) {
        if (top2(m.logits.subarray(i * k, (i + 1) * k)).top === sample.labels[i]) correct++;
      }
      // The generator averages in float32.
      expect(correct / sample.count, m.name).toBeCloseTo(m.entry.sampleAccuracy, 6);
    }
  });

  // Ties preprocessing, weight names and layouts, and the network definitions to PyTorch: the
  // float64 reference on the shipped input must reproduce PyTorch's float64 logits.
  it.each(['resnet20_cifar', 'resnext29_8x4d_cifar'])(
    "the float64 reference reproduces PyTorch's logits of the first images (%s)",
    (name) => {
      const m = set.models.find((x) => x.name === name)!;
      const n = 2;
      const y = runReference(m.graph, m.weights, fashionInput(sample.images, 0, n, preprocess));
      const c = compareTensors(y.data, m.logits.subarray(0, n * 10), 'float64', errorModel(m.graph));
      expect(c.pass, describeComparison(c)).toBe(true);
    },
    60_000,
  );

  it('rejects a corrupted file and an unknown model with typed errors', async () => {
    const manifest = JSON.parse(readFileSync(`${trainedDir()}manifest.json`, 'utf8')) as TrainedManifest;
    const files: Record<string, Uint8Array> = {};
    for (const f of trainedFiles(manifest, ['resnet20_cifar']))
      files[f] = readFileSync(`${trainedDir()}${f}`);
    const weights = manifest.models.resnet20_cifar!.weights;
    const bad = new Uint8Array(files[weights]!);
    bad[bad.length - 1]! ^= 1;
    await expect(
      parseTrained(manifest, { ...files, [weights]: bad }, { models: ['resnet20_cifar'] }),
    ).rejects.toMatchObject({ code: 'FIXTURE_INTEGRITY', message: expect.stringContaining('is corrupt') });
    throws(() => trainedFiles(manifest, ['resnet50']), 'FIXTURE_INTEGRITY', /no trained model 'resnet50'/);
  });
});

describe('fashionInput', () => {
  it("rounds like the generator's PyTorch code (values printed by scripts/train/train.py's preprocess)", () => {
    const t = pixelTable(preprocess);
    expect([t[0], t[1], t[128], t[255]]).toEqual([
      -0.8102576732635498, -0.7991491556167603, 0.6116299629211426, 2.022408962249756,
    ]);
  });

  it('pads with black, places the image and repeats the gray channel', () => {
    const img = new Uint8Array(2 * 28 * 28);
    img[28 * 28 + 5 * 28 + 7] = 255; // image 1, row 5, column 7
    const x = fashionInput(img, 1, 1, preprocess);
    expect(x.shape).toEqual([1, 3, 32, 32]);
    const t = pixelTable(preprocess);
    for (let c = 0; c < 3; c++) {
      const plane = x.data.subarray(c * 1024, (c + 1) * 1024);
      expect(plane[(5 + 2) * 32 + 7 + 2]).toBe(t[255]);
      expect(plane.filter((v) => v === t[0]).length).toBe(1023);
    }
    throws(() => fashionInput(img, 1, 2, preprocess), 'INPUT_SHAPE', /outside the 2 images/);
  });
});

describe('parseIdx', () => {
  const idx = (head: number[], dims: number[], data: number[]) => {
    const b = new Uint8Array(4 + 4 * dims.length + data.length);
    const v = new DataView(b.buffer);
    for (const [i, h] of head.entries()) v.setUint8(i, h);
    for (const [i, d] of dims.entries()) v.setUint32(4 + 4 * i, d);
    b.set(data, 4 + 4 * dims.length);
    return b;
  };

  it('reads dims and data', () => {
    const a = parseIdx(idx([0, 0, 8, 2], [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(a.dims).toEqual([2, 3]);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects bad magic, other element types, truncated headers and data of the wrong length', () => {
    throws(() => parseIdx(idx([1, 0, 8, 1], [1], [0])), 'FIXTURE_INTEGRITY', /not an IDX file/);
    throws(() => parseIdx(idx([0, 0, 0x0d, 1], [1], [0, 0, 0, 0])), 'FIXTURE_INTEGRITY', /0xd/);
    throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0])), 'FIXTURE_INTEGRITY', /header needs 16/);
    throws(
      () => parseIdx(idx([0, 0, 8, 2], [60000, 28], [1, 2])),
      'FIXTURE_INTEGRITY',
      /60000x28 need 1680000 bytes/,
    );
  });
});

describe('AccuracyTally', () => {
  const graph = networkGraph('resnet8_cifar');
  const budgetOf = (row: number[]) => compareTensors(row, row, 'float32', errorModel(graph)).budget;

  it('explains a flip only where PyTorch’s margin is within twice the budget', () => {
    const near = [5, 5 + 1e-7, 0, 0, 0, 0, 0, 0, 0, 0];
    const clear = [5, 3, 0, 0, 0, 0, 0, 0, 0, 0];
    const tally = new AccuracyTally(graph, 'float32', 10);
    // Backend: image 0 flips inside the budget, image 1 is right, image 2 flips a clear decision.
    const nearFlip = [...near];
    nearFlip[0] = 5 + 2e-7;
    const clearFlip = [3, 5, 0, 0, 0, 0, 0, 0, 0, 0];
    tally.add([...nearFlip, ...clear, ...clearFlip], [...near, ...clear, ...clear], [1, 0, 0], 100);
    const s = tally.summary();
    expect(s).toMatchObject({ images: 3, correct: 1, referenceCorrect: 3, agree: 1, outOfBudget: 1 });
    expect(s.disagreements.map((d) => [d.index, d.explained])).toEqual([
      [100, true],
      [102, false],
    ]);
    expect(s.disagreements[0]!.budget).toBeCloseTo(budgetOf(near), 12);
    expect(s.worstIndex).toBe(102);
    expect(accuracyProblem(s)).toMatch(
      /1 of 3 images have logits outside.*1 top-1 disagreements the tolerance/,
    );
  });

  it('passes identical logits and fails NaN', () => {
    const row = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const ok = new AccuracyTally(graph, 'float32', 10);
    ok.add(row, row, [9], 0);
    expect(accuracyProblem(ok.summary())).toBeUndefined();
    const nan = new AccuracyTally(graph, 'float32', 10);
    nan.add(
      row.map(() => Number.NaN),
      row,
      [9],
      0,
    );
    expect(nan.summary()).toMatchObject({ worstFraction: Number.POSITIVE_INFINITY, agree: 0 });
    expect(nan.summary().disagreements[0]).toMatchObject({ backend: -1, explained: false });
  });
});

describe('pictureToFashion', () => {
  const picture = (
    w: number,
    h: number,
    bg: number[],
    box: [number, number, number, number],
    fg: number[],
  ) => {
    const px = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3];
        px.set(inside ? fg : bg, 4 * (y * w + x));
      }
    }
    return px;
  };

  it('trims a light background, scales the longest edge to 28, centres and negates', () => {
    const out = pictureToFashion(
      picture(100, 80, [250, 250, 250, 255], [10, 20, 40, 20], [0, 0, 0, 255]),
      100,
      80,
    );
    // 40x20 -> 28x14, rows 7..20, every column.
    for (let y = 0; y < 28; y++) {
      const row = [...out.subarray(y * 28, (y + 1) * 28)];
      expect(row, `row ${y}`).toEqual(new Array(28).fill(y >= 7 && y < 21 ? 255 : 0));
    }
  });

  it('keeps a light object on black as it is, and treats transparency as white', () => {
    const dark = pictureToFashion(
      picture(10, 10, [0, 0, 0, 255], [3, 3, 4, 4], [255, 255, 255, 255]),
      10,
      10,
    );
    expect(dark.every((v) => v === 255)).toBe(true); // trimmed to the square, which fills the canvas
    const clear = pictureToFashion(picture(10, 10, [0, 0, 0, 0], [5, 0, 5, 10], [0, 0, 0, 255]), 10, 10);
    expect(clear[14 * 28 + 3]).toBe(0); // left of the 14x28 object, background
    expect(clear[14 * 28 + 14]).toBe(255);
  });

  it('checks sizes before allocating', () => {
    throws(() => pictureToFashion(new Uint8Array(12), 2, 2), 'INPUT_SHAPE', /needs 16/);
    throws(() => pictureToFashion(new Uint8Array(4), 1, MAX_PICTURE_PIXELS + 1), 'INPUT_SHAPE', /at most/);
    throws(() => pictureToFashion(new Uint8Array(0), 0, 1), 'INPUT_SHAPE', /positive/);
  });
});

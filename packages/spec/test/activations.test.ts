import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkActivations,
  compareTrace,
  networkGraph,
  parseSafetensors,
  readActivations,
  readWeightsFile,
  referenceAdapter,
  type SafetensorsEntry,
  serializeEntries,
  traceOnBackend,
  validateWeights,
} from '../src/index.js';
import { expectError } from './expect-error.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'activations');
const read = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  weights: { file: string; sha256: string };
  edit: { node: string };
  files: { file: string; sha256: string }[];
};

const graph = networkGraph('resnet8_cifar', { numClasses: 3 });
const weightsOf = (bytes: Uint8Array) => validateWeights(graph, readWeightsFile(bytes));
const intact = weightsOf(read(manifest.weights.file));
const perturbed = weightsOf(read('resnet8_cifar-3class-perturbed.pth'));
const acts = readActivations(read('resnet8_cifar-3class.safetensors'));
const perturbedActs = readActivations(read('resnet8_cifar-3class-perturbed.safetensors'));

async function traceAgainst(weights: typeof intact, against: typeof acts, foldBatchNorm = false) {
  const input = checkActivations(against, graph);
  const run = await traceOnBackend(referenceAdapter, 'float64', graph, weights, input, {
    compile: { foldBatchNorm },
  });
  return compareTrace(run.trace, against.values, {
    graph,
    dtype: run.dtype,
    backend: run.backend,
    against: 'PyTorch',
  });
}

describe('PyTorch activations fixtures', () => {
  it('are the files the manifest lists, made from the checkpoint fixture', () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    for (const f of manifest.files) expect(sha(read(f.file)), f.file).toBe(f.sha256);
    expect(sha(read(manifest.weights.file))).toBe(manifest.weights.sha256);
    expect(acts.model).toBe('resnet8_cifar');
    expect(acts.input?.shape).toEqual([1, 3, 8, 8]);
  });

  it('the same weights agree with PyTorch at every node', async () => {
    const c = await traceAgainst(intact, acts);
    expect(c.rows.length).toBe(graph.nodes.length);
    expect(c.firstOver, c.verdict).toBeUndefined();
  });

  it('weights edited in one layer trace to that layer, unfolded and folded, both ways', async () => {
    const node = manifest.edit.node;
    const c = await traceAgainst(perturbed, acts);
    expect(c.firstOver?.module, c.verdict).toBe(node);
    expect(c.verdict).toContain(`diverges from PyTorch at ${node}, conv2d`);
    // Folded, the convolution's value is its BN's.
    const folded = await traceAgainst(perturbed, acts, true);
    expect(folded.firstOver).toMatchObject({ module: 'layer2.0.bn2', folded: node });
    expect((await traceAgainst(intact, perturbedActs)).firstOver?.module).toBe(node);
    expect((await traceAgainst(perturbed, perturbedActs)).firstOver).toBeUndefined();
  });
});

describe('activations that do not fit', () => {
  /** The fixture with some entries dropped, replaced or added. */
  function edited(change: (entries: Map<string, SafetensorsEntry>) => void) {
    const file = parseSafetensors(read('resnet8_cifar-3class.safetensors'));
    const entries = new Map(file.tensors);
    change(entries);
    return readActivations(serializeEntries(entries, file.metadata));
  }

  it('missing, extra and mis-shaped names are one error listing them all', () => {
    const bad = edited((e) => {
      e.delete('layer1.0.add');
      e.delete('fc');
      e.set('layer9.0.conv1', e.get('conv1')!);
      e.set('layer2.0.bn1', e.get('bn1')!);
    });
    const err = expectError(() => checkActivations(bad, graph), 'ACTIVATIONS_MISMATCH');
    expect(err.message).toMatch(/missing 2 value\(s\): layer1\.0\.add, fc/);
    expect(err.message).toMatch(/mis-shaped: layer2\.0\.bn1 expected \[1, 32, 4, 4\] got \[1, 16, 8, 8\]/);
    expect(err.message).toMatch(/unexpected 1 value\(s\): layer9\.0\.conv1/);
    expect(err.details).toMatchObject({ missing: ['layer1.0.add', 'fc'], extra: ['layer9.0.conv1'] });
  });

  it('activations of another architecture say so, with what does not fit', () => {
    const err = expectError(() => checkActivations(acts, networkGraph('resnet18')), 'ACTIVATIONS_MISMATCH');
    expect(err.message).toMatch(/do not fit 'resnet18'.*made from resnet8_cifar/);
    expect(err.message).toMatch(/missing \d+ value\(s\): maxpool/);
  });

  it('another input is refused', () => {
    const other = { shape: [1, 3, 8, 8], data: new Float32Array(192) };
    const err = expectError(() => checkActivations(acts, graph, other), 'ACTIVATIONS_MISMATCH');
    expect(err.message).toMatch(/computed from another input/);
  });

  it('a damaged file is refused by the safetensors reader', () => {
    const bytes = read('resnet8_cifar-3class.safetensors').slice(0, 1000);
    expectError(() => readActivations(bytes), 'SAFETENSORS_FORMAT');
  });
});

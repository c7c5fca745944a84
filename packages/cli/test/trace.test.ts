import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, serializeEntries } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { errorLines, resblocks, tempDir } from './spawn.js';

const FIXTURES = new URL('../../spec/fixtures/', import.meta.url).pathname;
const WEIGHTS = join(FIXTURES, 'checkpoints', 'resnet8_cifar-3class.pth');
const PERTURBED = join(FIXTURES, 'activations', 'resnet8_cifar-3class-perturbed.pth');
const ACTS = join(FIXTURES, 'activations', 'resnet8_cifar-3class.safetensors');
const INPUT = join(FIXTURES, 'activations', 'input.npy');
const BACKENDS = 'reference:float64,tfjs:cpu';
const trace = (...args: string[]) => resblocks(['trace', '--model', 'resnet8_cifar', ...args]);

describe('resblocks trace', () => {
  it('the weights PyTorch ran agree with its activations at every node: exit 0', async () => {
    const r = await trace('--weights', WEIGHTS, '--against', ACTS, '--input', INPUT, '--backends', BACKENDS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'reference:float64 vs PyTorch: reference:float64 agrees with PyTorch at all 31 nodes',
    );
    expect(r.stdout).toMatch(/tfjs:cpu vs PyTorch: tfjs:cpu agrees with PyTorch at all 22 nodes/);
    expect(r.stdout).toMatch(/^OK: every traced node in budget on 2 backend\(s\)/m);
  });

  it('weights edited in one layer: the table marks that layer, the verdict names it, exit 1', async () => {
    const json = join(tempDir(), 'trace.json');
    const r = await trace(
      '--weights',
      PERTURBED,
      '--against',
      ACTS,
      '--backends',
      'tfjs:cpu',
      '--json',
      json,
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const marked = r.stdout.split('\n').filter((l) => l.includes('<- first over budget'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatch(/│\s+10 │ layer2\.0\.bn2\s+│ conv2d\+bn/);
    expect(r.stdout).toContain(
      'tfjs:cpu vs PyTorch: tfjs:cpu diverges from PyTorch at layer2.0.bn2, conv2d with layer2.0.conv2 folded in',
    );
    // The backend agrees with the reference on the same weights: the weights differ, not the backend.
    expect(r.stdout).toContain('tfjs:cpu vs reference:float64: tfjs:cpu agrees');
    expect(r.stdout).toContain('reference:float64 diverges from PyTorch at layer2.0.conv2');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.backends[0].comparisons[1].firstOver.module).toBe('layer2.0.bn2');
  });

  it('--keep-batchnorm traces the convolution itself', async () => {
    const r = await trace(
      '--weights',
      PERTURBED,
      '--against',
      ACTS,
      '--backends',
      'tfjs:cpu',
      '--keep-batchnorm',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tfjs:cpu diverges from PyTorch at layer2.0.conv2, conv2d:');
  });

  it('activations with missing, extra or mis-shaped names: one error listing them, exit 1', async () => {
    const file = parseSafetensors(new Uint8Array(readFileSync(ACTS)));
    const entries = new Map(file.tensors);
    entries.delete('layer3.0.add');
    entries.set('layer4.0.conv1', entries.get('conv1')!);
    entries.set('fc', entries.get('flatten')!);
    const bad = join(tempDir(), 'bad.safetensors');
    writeFileSync(bad, serializeEntries(entries, file.metadata));
    const r = await trace('--weights', WEIGHTS, '--against', bad, '--backends', BACKENDS);
    expect(r.code).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`activations file '${bad}': activations do not fit 'resnet8_cifar'`);
    expect(lines[0]).toMatch(
      /missing 1 value\(s\): layer3\.0\.add; mis-shaped: fc expected \[1, 3\] got \[1, 64\]; unexpected 1 value\(s\): layer4\.0\.conv1/,
    );
  });

  it('names that are not values, or folded away, are usage errors', async () => {
    const r = await trace(
      '--weights',
      WEIGHTS,
      '--input',
      INPUT,
      '--nodes',
      'layer1.0.conv1,layer9',
      '--backends',
      'tfjs:cpu',
    );
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)[0]).toMatch(
      /'layer1\.0\.conv1' \(folded into layer1\.0\.bn1: pass --keep-batchnorm to trace it\), 'layer9'/,
    );
    const none = await trace('--weights', WEIGHTS);
    expect(none.code).toBe(2);
    expect(errorLines(none.stderr)[0]).toContain('trace needs --input');
  });
});

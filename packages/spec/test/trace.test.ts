import { describe, expect, it } from 'vitest';
import {
  compareTrace,
  errorModel,
  foldBatchNorm,
  initWeights,
  moduleNames,
  networkGraph,
  nodeErrorModels,
  referenceActivations,
  referenceAdapter,
  runReference,
  seededInput,
  traceOnBackend,
} from '../src/index.js';
import { expectRejection } from './expect-error.js';

const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 5);
const input = seededInput([1, 3, 8, 8], 6);

describe('module names', () => {
  it('names block outputs, ReLU calls and everything else as torchvision does', () => {
    const names = moduleNames(networkGraph('resnet18'));
    expect(names.get('relu')).toBe('relu');
    expect(names.get('maxpool')).toBe('maxpool');
    expect(names.get('layer3.0.conv1')).toBe('layer3.0.conv1');
    expect(names.get('layer3.0.relu1')).toBe('layer3.0.relu');
    expect(names.get('layer3.0.downsample.1')).toBe('layer3.0.downsample.1');
    expect(names.get('layer3.0.add')).toBe('layer3.0.add');
    expect(names.get('layer3.0.relu_out')).toBe('layer3.0');
    expect(names.get('fc')).toBe('fc');
    const bottleneck = moduleNames(networkGraph('resnet50'));
    expect(bottleneck.get('layer1.0.relu2')).toBe('layer1.0.relu#2');
    expect(bottleneck.get('layer1.0.relu_out')).toBe('layer1.0');
    // Pre-activation: the block ends with its sum.
    const preact = moduleNames(networkGraph('preact_resnet18'));
    expect(preact.get('layer2.0.add')).toBe('layer2.0');
    expect(preact.get('layer2.0.relu2')).toBe('layer2.0.relu#2');
    expect(new Set(names.values()).size).toBe(names.size);
  });
});

describe('per-node error model', () => {
  it('grows with depth and meets the graph model at the output', () => {
    const models = nodeErrorModels(graph);
    expect(models.get('conv1')).toEqual({ accumulation: 27, depth: 1 });
    expect(models.get('layer1.0.bn2')!.depth).toBe(3);
    expect(models.get(graph.output)).toEqual(errorModel(graph));
  });
});

describe('traced runs through the kit', () => {
  it('returns every node of the built graph by module name; the reference matches itself', async () => {
    const run = await traceOnBackend(referenceAdapter, 'float64', graph, weights, input);
    expect(run.trace.map((v) => v.node)).toEqual(graph.nodes.map((n) => n.name));
    expect(run.trace.find((v) => v.node === 'layer2.0.relu_out')!.module).toBe('layer2.0');
    expect([...run.output.data]).toEqual([...Float32Array.from(runReference(graph, weights, input).data)]);
    const cmp = compareTrace(run.trace, referenceActivations(graph, weights, input), {
      graph,
      dtype: run.dtype,
      backend: run.backend,
      against: 'reference:float64',
    });
    expect(cmp.firstOver).toBeUndefined();
    expect(cmp.verdict).toMatch(/agrees with reference:float64 at all \d+ nodes/);
  });

  it('folded: a folded conv carries its BN name; its conv cannot be traced', async () => {
    const folded = await traceOnBackend(referenceAdapter, 'float64', graph, weights, input, {
      compile: { foldBatchNorm: true },
    });
    const bn = folded.trace.find((v) => v.module === 'layer1.0.bn2')!;
    expect(bn).toMatchObject({ op: 'conv2d', folded: 'layer1.0.conv2' });
    expect(folded.trace.length).toBe(foldBatchNorm(graph, weights).graph.nodes.length);
    const err = await expectRejection(
      referenceAdapter.compile(graph, weights, {
        backend: 'float64',
        foldBatchNorm: true,
        trace: ['layer1.0.conv2', 'nope'],
      }),
      'UNKNOWN_NODE',
    );
    expect(err.message).toMatch(/'layer1\.0\.conv2' \(folded into layer1\.0\.bn2/);
    expect(err.message).toMatch(/'nope'/);
  });

  it('chosen names at compile and at run; untraced models refuse traced runs', async () => {
    const model = await referenceAdapter.compile(graph, weights, {
      backend: 'float64',
      trace: ['layer1.0', 'layer2.0.bn1', 'fc'],
    });
    try {
      const all = await model.run(input);
      expect(all.trace!.map((v) => v.module)).toEqual(['layer1.0', 'layer2.0.bn1', 'fc']);
      const one = await model.run(input, { trace: ['layer2.0.bn1'] });
      expect(one.trace!.map((v) => v.node)).toEqual(['layer2.0.bn1']);
      expect((await model.run(input, { trace: false })).trace).toBeUndefined();
      await expectRejection(model.run(input, { trace: ['layer3.0'] }), 'UNKNOWN_NODE');
    } finally {
      await model.dispose();
    }
    const plain = await referenceAdapter.compile(graph, weights, { backend: 'float64' });
    try {
      expect((await plain.run(input)).trace).toBeUndefined();
      await expectRejection(plain.run(input, { trace: true }), 'UNKNOWN_NODE');
    } finally {
      await plain.dispose();
    }
  });
});

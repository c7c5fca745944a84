import { readFileSync } from 'node:fs';
import { assertMatchesReference, graphCase, materials } from '@resblocks/conformance';
import {
  type Graph,
  GraphBuilder,
  initWeights,
  isResblocksError,
  networkGraph,
  seededInput,
  type Weights,
} from '@resblocks/spec';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx, INPUT_NAME, IR_VERSION, OPSET, probeModel, VERSION } from '../src/index.js';
import { attr, decode } from './onnx-proto.js';

function expectCode(fn: () => unknown, code: string, mention?: string): void {
  try {
    fn();
  } catch (e) {
    expect(isResblocksError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (mention) expect((e as Error).message).toContain(mention);
    return;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

describe('exportOnnx structure', () => {
  it('writes the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('resnet8_cifar: header, metadata, symbolic input, logits output', () => {
    const g = networkGraph('resnet8_cifar');
    const m = decode(exportOnnx(g, initWeights(g, 1)));
    expect(Number(m.irVersion)).toBe(IR_VERSION);
    expect(m.opsetImport.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([['', OPSET]]);
    expect(m.producerName).toBe('resblocks');
    expect(m.producerVersion).toBe(VERSION);
    expect(m.docString).toContain('resnet8_cifar');
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ network: 'resnet8_cifar', resblocks_version: VERSION, batchnorm: 'folded' });
    const graph = m.graph!;
    const input = graph.input!;
    expect(input.map((i) => i.name)).toEqual([INPUT_NAME]);
    const dims = input[0]!.type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 3, 'height', 'width']);
    expect(input[0]!.type!.tensorType!.elemType).toBe(1);
    const out = graph.output![0]!;
    expect(out.name).toBe('logits');
    expect(out.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual([
      'batch',
      10,
    ]);
    // Every value is produced before use; the final node writes 'logits'.
    const produced = new Set([INPUT_NAME, ...graph.initializer!.map((t) => t.name)]);
    for (const n of graph.node!) {
      for (const i of n.input!) expect(produced.has(i), `${n.name} reads ${i}`).toBe(true);
      for (const o of n.output!) produced.add(o);
    }
    expect(graph.node!.at(-1)!.output).toEqual(['logits']);
  });

  it('blocks output "output" with symbolic spatial dims', () => {
    const { graph, weights } = materials(graphCase('blocks/bottleneck-v1.5-stride2-7x9-batch2'));
    const m = decode(exportOnnx(graph, weights));
    const out = m.graph!.output![0]!;
    expect(out.name).toBe('output');
    expect(out.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual([
      'batch',
      32,
      'out_height',
      'out_width',
    ]);
  });

  it('conv and pool attributes carry pads [t, l, b, r], strides, dilations, group, ceil_mode', () => {
    const g = networkGraph('resnet18');
    const m = decode(exportOnnx(g, initWeights(g, 1)));
    const byName = new Map(m.graph!.node!.map((n) => [n.name, n]));
    const stem = byName.get('bn1')!; // conv1 folded into bn1
    expect(stem.opType).toBe('Conv');
    expect(attr(stem, 'pads')).toEqual([3, 3, 3, 3]);
    expect(attr(stem, 'strides')).toEqual([2, 2]);
    expect(attr(stem, 'kernel_shape')).toEqual([7, 7]);
    expect(attr(stem, 'dilations')).toEqual([1, 1]);
    expect(attr(stem, 'group')).toBe(1);
    const pool = byName.get('maxpool')!;
    expect(attr(pool, 'pads')).toEqual([1, 1, 1, 1]);
    expect(attr(pool, 'ceil_mode')).toBe(0);
    const gemm = byName.get('fc')!;
    expect(gemm.opType).toBe('Gemm');
    expect(attr(gemm, 'transB')).toBe(1);
    const rx = materials(graphCase('blocks/resnext-one-channel-per-group'));
    const mx = decode(exportOnnx(rx.graph, rx.weights));
    expect(attr(mx.graph!.node!.find((n) => n.name === 'bn2')!, 'group')).toBe(32);
    const d = materials(graphCase('blocks/avgdown-stride2-ceil-7x9'));
    const md = decode(exportOnnx(d.graph, d.weights));
    const avg = md.graph!.node!.find((n) => n.name === 'downsample.0')!;
    expect(avg.opType).toBe('AveragePool');
    expect(attr(avg, 'ceil_mode')).toBe(1);
    expect(attr(avg, 'count_include_pad')).toBe(0);
  });

  it('asymmetric pads keep their [t, l, b, r] order', async () => {
    const b = new GraphBuilder('asym', 'x', 1);
    const g = b.finish(
      b.conv('x', 'c', {
        inChannels: 1,
        outChannels: 1,
        kernel: 3,
        stride: [1, 2],
        pad: [0, 1, 2, 3],
        dilation: [2, 1],
      }),
    );
    const w = initWeights(g, 1);
    const bytes = exportOnnx(g, w);
    const n = decode(bytes).graph!.node![0]!;
    expect(attr(n, 'pads')).toEqual([0, 1, 2, 3]);
    expect(attr(n, 'strides')).toEqual([1, 2]);
    expect(attr(n, 'dilations')).toEqual([2, 1]);
    // And numerically, in onnxruntime-node.
    const x = seededInput([2, 1, 7, 8], 3);
    const s = await ort.InferenceSession.create(bytes);
    const y = (await s.run({ [INPUT_NAME]: new ort.Tensor('float32', x.data, [...x.shape]) })).output!;
    await s.release();
    assertMatchesReference(g, w, x, { shape: y.dims, data: y.data as Float32Array });
  });
});

describe('probeModel', () => {
  it('runs in onnxruntime-node to its expected output', async () => {
    const p = probeModel();
    const s = await ort.InferenceSession.create(p.bytes);
    const y = (await s.run({ [INPUT_NAME]: new ort.Tensor('float32', p.input, p.shape) })).output!;
    await s.release();
    expect([...(y.data as Float32Array)]).toEqual(p.expected);
    expect([...p.input]).not.toEqual(p.expected);
  });
});

describe('exportOnnx errors', () => {
  const g = networkGraph('resnet8_cifar');
  const w = initWeights(g, 1);

  it('missing weight -> WEIGHTS_MISSING naming the key', () => {
    const bad: Weights = new Map(w);
    bad.delete('layer1.0.conv2.weight');
    expectCode(() => exportOnnx(g, bad), 'WEIGHTS_MISSING', 'layer1.0.conv2.weight');
  });

  it('mis-shaped weight -> WEIGHTS_SHAPE naming key and shapes', () => {
    const bad: Weights = new Map(w);
    bad.set('fc.weight', { shape: [10, 63], data: new Float32Array(630) });
    expectCode(() => exportOnnx(g, bad), 'WEIGHTS_SHAPE', 'fc.weight expected [10, 64] got [10, 63]');
  });

  it('extra weight -> WEIGHTS_EXTRA; float64 data -> WEIGHTS_DTYPE', () => {
    const extra: Weights = new Map(w);
    extra.set('bogus', { shape: [1], data: new Float32Array(1) });
    expectCode(() => exportOnnx(g, extra), 'WEIGHTS_EXTRA', 'bogus');
    const f64: Weights = new Map(w);
    const t = w.get('fc.bias')!;
    f64.set('fc.bias', { shape: t.shape, data: Float64Array.from(t.data) as unknown as Float32Array });
    expectCode(() => exportOnnx(g, f64), 'WEIGHTS_DTYPE', 'fc.bias');
  });

  it('unknown op -> UNKNOWN_OP naming the op and node', () => {
    const bad = {
      ...g,
      nodes: [
        ...g.nodes.slice(0, 3),
        { op: 'gelu', name: 'act', inputs: [g.nodes[2]!.name] },
        ...g.nodes.slice(3),
      ],
    } as unknown as Graph;
    expectCode(() => exportOnnx(bad, w), 'UNKNOWN_OP', "'gelu'");
  });

  it('dangling input -> EXPORT', () => {
    const bad: Graph = { ...g, nodes: g.nodes.map((n, i) => (i === 2 ? { ...n, inputs: ['nowhere'] } : n)) };
    expectCode(() => exportOnnx(bad, w), 'EXPORT', 'nowhere');
  });
});

import {
  compareTensors,
  describeComparison,
  errorModel,
  foldBatchNorm,
  initWeights,
  networkGraph,
  runReference,
  seededInput,
} from '@resblocks/spec';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { exportOnnx, INPUT_NAME } from '../src/index.js';
import { attr, decode } from './onnx-proto.js';

export const OP_NAMES: Record<string, string> = {
  conv2d: 'Conv',
  batchnorm: 'BatchNormalization',
  relu: 'Relu',
  add: 'Add',
  maxpool: 'MaxPool',
  avgpool: 'AveragePool',
  globalavgpool: 'GlobalAveragePool',
  flatten: 'Flatten',
  linear: 'Gemm',
};

/** The deepest/widest networks are checked with BN folded only, to keep the suite fast. */
const BIG = /101|152|wide/;

async function runNative(bytes: Uint8Array, x: { shape: readonly number[]; data: Float32Array }) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x.data, [...x.shape]) });
    const y = out.logits!;
    return { shape: [...y.dims], data: y.data as Float32Array };
  } finally {
    await session.release();
  }
}

/**
 * Exports a registry network (BN folded; and BN kept for the smaller ones), checks the decoded
 * structure against the IR, and runs it in onnxruntime-node against the float64 reference.
 */
export async function checkNetwork(name: string): Promise<void> {
  const g = networkGraph(name);
  const w = initWeights(g, 1);
  // 32x32 still leaves every stage a non-empty map (ImageNet nets end at 1x1) and keeps the
  // float64 reference cheap; batch 2 checks per-sample indexing.
  const x = seededInput([2, 3, 32, 32], 2);
  const ref = runReference(g, w, x);
  const model = errorModel(g);
  for (const fold of BIG.test(name) ? [true] : [true, false]) {
    const bytes = exportOnnx(g, w, { foldBatchNorm: fold });
    const m = decode(bytes);
    const { graph: ir, weights: expected } = fold ? foldBatchNorm(g, w) : { graph: g, weights: w };
    const nodes = m.graph!.node!;
    expect(nodes.map((n) => n.name)).toEqual(ir.nodes.map((n) => n.name));
    expect(nodes.map((n) => n.opType)).toEqual(ir.nodes.map((n) => OP_NAMES[n.op]));
    // Folding removes every BN except the pre-activation ones (they follow no conv).
    expect(nodes.some((n) => n.opType === 'BatchNormalization')).toBe(!fold || /preact/.test(name));
    const inits = m.graph!.initializer!;
    expect(inits.map((t) => t.name)).toEqual([...expected.keys()]);
    for (const t of inits) {
      const e = expected.get(t.name!)!;
      expect(t.dims!.map(Number), t.name!).toEqual([...e.shape]);
      expect(t.dataType).toBe(1);
      expect(t.rawData!.byteLength).toBe(e.data.length * 4);
    }
    const conv = ir.nodes.find((n) => n.op === 'conv2d' && n.groups > 1);
    if (conv)
      expect(attr(nodes.find((n) => n.name === conv.name)!, 'group')).toBe(
        conv.op === 'conv2d' ? conv.groups : 0,
      );
    const y = await runNative(bytes, x);
    expect(y.shape).toEqual([...ref.shape]);
    const c = compareTensors(y.data, ref.data, 'float32', model);
    expect(c.pass, `${name} (BN ${fold ? 'folded' : 'kept'}): ${describeComparison(c)}`).toBe(true);
  }
}

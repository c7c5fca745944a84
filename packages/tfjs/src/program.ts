import type { Graph, Shape } from '@resblocks/spec';
import { batchNormAffine, ResblocksError, soleConsumers } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { type ConvOp, denseConv, type GroupedConvStrategy, groupedConv, type Padding } from './grouped.js';
import { toHWIO, transpose2d } from './layout.js';
import { avgPoolRescale, poolPlan } from './pool.js';

type Step = (get: (name: string) => tf.Tensor, shapes: ReadonlyMap<string, Shape>) => tf.Tensor;

/** The graph turned into tfjs ops on NHWC tensors, with its weights already uploaded. */
export interface Program {
  /**
   * NCHW float32 in, NCHW (or [N, classes]) out, and the `trace` values in NCHW, in that order.
   * Call inside tf.tidy; each step tidies its own temporaries.
   */
  forward(
    input: tf.Tensor4D,
    shapes: ReadonlyMap<string, Shape>,
    trace?: readonly string[],
  ): { output: tf.Tensor; traced: tf.Tensor[] };
  /** Every tensor compile() created. */
  readonly tensors: tf.Tensor[];
  /** Nodes fused into their producer (conv + ReLU). */
  readonly fused: number;
}

/**
 * Builds the program on the active backend. Weights are validated (and BN folded) by the caller.
 * Layout: the contract is NCHW, tfjs kernels are fastest (and wasm only works) in NHWC, so the
 * input is transposed once on the way in and the output once on the way out.
 */
export function buildProgram(
  graph: Graph,
  weights: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  strategy: GroupedConvStrategy,
  traceable: ReadonlySet<string> = new Set(),
): Program {
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  const param = (name: string) => weights.get(name)!.data;
  const sole = soleConsumers(graph);

  const steps: { name: string; inputs: readonly string[]; run: Step }[] = [];
  /** relu node name -> the conv that absorbed it (the relu then just forwards the value). */
  const absorbed = new Set<string>();
  let fused = 0;
  try {
    for (const node of graph.nodes) {
      switch (node.op) {
        case 'conv2d': {
          // A ReLU that is this conv's only consumer runs inside the conv kernel, unless the conv's
          // own value may be traced.
          const next = sole.get(node.name);
          const relu = next?.op === 'relu' && !traceable.has(node.name);
          if (relu) {
            absorbed.add(next.name);
            fused++;
          }
          const [pt, pl, pb, pr] = node.pads;
          const w = {
            data: param(node.weight),
            out: node.outChannels,
            inPerGroup: node.inChannels / node.groups,
            kh: node.kernel[0],
            kw: node.kernel[1],
          };
          const args = {
            weight: w,
            groups: node.groups,
            stride: [node.stride[0], node.stride[1]] as [number, number],
            dilation: [node.dilation[0], node.dilation[1]] as [number, number],
            pad: [
              [0, 0],
              [pt, pb],
              [pl, pr],
              [0, 0],
            ] as Padding,
            relu,
            ...(node.bias ? { bias: param(node.bias) } : {}),
          };
          const op: ConvOp =
            node.groups === 1 ? denseConv(args, toHWIO(w), node.inChannels) : groupedConv(args, strategy);
          tensors.push(...op.tensors);
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) => op.apply(get(node.inputs[0]!) as tf.Tensor4D),
          });
          break;
        }
        case 'batchnorm': {
          // Unfolded BN (pre-activation, BN after add, or folding disabled): x * scale + shift,
          // with scale and shift computed once in float64.
          const { scale, shift } = batchNormAffine(node, weights);
          const ts = keep(tf.tensor1d(scale));
          const tb = keep(tf.tensor1d(shift));
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) => tf.add(tf.mul(get(node.inputs[0]!), ts), tb),
          });
          break;
        }
        case 'relu':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: absorbed.has(node.name)
              ? (get) => tf.clone(get(node.inputs[0]!))
              : (get) => tf.relu(get(node.inputs[0]!)),
          });
          break;
        case 'add':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) => tf.add(get(node.inputs[0]!), get(node.inputs[1]!)),
          });
          break;
        case 'maxpool':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get, shapes) => {
              const x = get(node.inputs[0]!) as tf.Tensor4D;
              const [, , oh, ow] = shapes.get(node.name)!;
              const plan = poolPlan(node, x.shape[1], x.shape[2], oh!, ow!);
              const kernel = node.kernel as [number, number];
              const stride = node.stride as [number, number];
              // -inf padding: a padded position never wins, as in PyTorch.
              const y = tf.maxPool(
                tf.pad(x, plan.paddings, Number.NEGATIVE_INFINITY),
                kernel,
                stride,
                'valid',
              );
              // tfjs max pooling skips NaN on every backend; PyTorch returns NaN for a window
              // holding one. Pool a NaN mask alongside (one cheap pool: only the stem has one).
              const nanMask = tf.maxPool(
                tf.pad(tf.cast(tf.isNaN(x), 'float32'), plan.paddings, 0),
                kernel,
                stride,
                'valid',
              );
              return tf.where(tf.greater(nanMask, 0), tf.fill(y.shape, Number.NaN), y);
            },
          });
          break;
        case 'avgpool':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get, shapes) => {
              const x = get(node.inputs[0]!) as tf.Tensor4D;
              const [, , oh, ow] = shapes.get(node.name)!;
              const [h, w] = [x.shape[1], x.shape[2]];
              const plan = poolPlan(node, h, w, oh!, ow!);
              const mean = tf.avgPool(
                tf.pad(x, plan.paddings, 0),
                node.kernel as [number, number],
                node.stride as [number, number],
                'valid',
              );
              const rescale = tf.tensor4d(avgPoolRescale(node, h, w, oh!, ow!), [1, oh!, ow!, 1]);
              return tf.mul(mean, rescale);
            },
          });
          break;
        case 'globalavgpool':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) => tf.mean(get(node.inputs[0]!), [1, 2], true),
          });
          break;
        case 'flatten':
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) => {
              const x = get(node.inputs[0]!) as tf.Tensor4D;
              const [n, h, w, c] = x.shape;
              // NCHW flattening order: only a 1x1 map can skip the transpose.
              return h * w === 1
                ? tf.reshape(x, [n, c])
                : tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]);
            },
          });
          break;
        case 'linear': {
          const wt = keep(
            tf.tensor2d(transpose2d(param(node.weight), node.outFeatures, node.inFeatures), [
              node.inFeatures,
              node.outFeatures,
            ]),
          );
          const bias = node.bias ? keep(tf.tensor1d(param(node.bias))) : undefined;
          steps.push({
            name: node.name,
            inputs: node.inputs,
            run: (get) =>
              tf.fused.matMul({ a: get(node.inputs[0]!) as tf.Tensor2D, b: wt, ...(bias ? { bias } : {}) }),
          });
          break;
        }
        default: {
          const op = (node as { op: string }).op;
          throw new ResblocksError(
            'UNKNOWN_OP',
            `tfjs cannot run op '${op}' (node '${(node as { name: string }).name}')`,
            { op },
          );
        }
      }
    }
  } catch (e) {
    tf.dispose(tensors);
    throw e;
  }

  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => {
    for (const x of s.inputs) lastUse.set(x, i);
  });
  return {
    tensors,
    fused,
    forward(input, shapes, trace = []) {
      const kept = new Set(trace);
      const values = new Map<string, tf.Tensor>([[graph.input, tf.transpose(input, [0, 2, 3, 1])]]);
      const get = (name: string) => values.get(name)!;
      steps.forEach((s, i) => {
        values.set(
          s.name,
          tf.tidy(() => s.run(get, shapes)),
        );
        // Free activations at their last use so peak memory stays near one block's worth.
        for (const x of s.inputs) {
          if (lastUse.get(x) === i && x !== graph.output && !kept.has(x)) {
            values.get(x)?.dispose();
            values.delete(x);
          }
        }
      });
      const nchw = (t: tf.Tensor) => (t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t);
      return { output: nchw(values.get(graph.output)!), traced: trace.map((n) => nchw(values.get(n)!)) };
    },
  };
}

import { assertMatchesReference } from '@resblocks/conformance';
import { type Graph, GraphBuilder, initWeights, seededInput } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';
import { GROUPED_CONV_KERNEL } from '../src/kernels/grouped-conv.js';
import { CI } from './ci.js';

interface Geometry {
  id: string;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
  kernel: [number, number];
  stride: [number, number];
  pads: [number, number, number, number];
  dilation?: [number, number];
  bias?: boolean;
  relu?: boolean;
  /** NCHW input shape minus the channels (taken from groups * inPerGroup). */
  batch: number;
  hw: [number, number];
}

/** One grouped conv (optionally followed by a ReLU the kernel absorbs) on an input with negatives. */
function graphOf(g: Geometry): Graph {
  const b = new GraphBuilder(`grouped_${g.id}`, 'x', g.groups * g.inPerGroup);
  const conv = b.conv('x', 'conv', {
    inChannels: g.groups * g.inPerGroup,
    outChannels: g.groups * g.outPerGroup,
    kernel: g.kernel,
    stride: g.stride,
    pad: g.pads,
    dilation: g.dilation ?? 1,
    groups: g.groups,
    bias: g.bias ?? false,
  });
  return b.finish(g.relu ? b.relu(conv, 'relu') : conv);
}

/**
 * Every code path of the kernel: vec4 or scalar loads of x (channels per group a multiple of 4 or
 * not), vec4 or scalar outputs, strides, dilations, asymmetric pads, output widths that are not a
 * multiple of the 4 pixels an invocation computes, batch > 1, bias and fused ReLU on and off.
 */
const GEOMETRIES: Geometry[] = [
  {
    id: 'vec4-in-vec4-out-3x3-s1-relu',
    groups: 2,
    inPerGroup: 4,
    outPerGroup: 4,
    kernel: [3, 3],
    stride: [1, 1],
    pads: [1, 1, 1, 1],
    bias: true,
    relu: true,
    batch: 1,
    hw: [6, 6],
  },
  {
    id: 'vec4-in-vec4-out-s2-odd-batch3-asym-pads',
    groups: 4,
    inPerGroup: 8,
    outPerGroup: 4,
    kernel: [3, 3],
    stride: [2, 2],
    pads: [0, 1, 2, 0],
    relu: true,
    batch: 3,
    hw: [7, 9],
  },
  {
    id: 'scalar-in-vec4-out-3x2-s2x1',
    groups: 2,
    inPerGroup: 3,
    outPerGroup: 4,
    kernel: [3, 2],
    stride: [2, 1],
    pads: [1, 0, 1, 1],
    bias: true,
    batch: 2,
    hw: [5, 11],
  },
  {
    id: 'vec4-in-scalar-out-dilated',
    groups: 8,
    inPerGroup: 4,
    outPerGroup: 2,
    kernel: [3, 3],
    stride: [1, 1],
    pads: [2, 2, 2, 2],
    dilation: [2, 2],
    relu: true,
    batch: 1,
    hw: [9, 7],
  },
  {
    id: 'one-channel-per-group-1x1-s2',
    groups: 6,
    inPerGroup: 1,
    outPerGroup: 1,
    kernel: [1, 1],
    stride: [2, 2],
    pads: [0, 0, 0, 0],
    bias: true,
    batch: 2,
    hw: [5, 5],
  },
];

const probe = await tfjsAdapter.probe('webgpu');

describe('tfjs:webgpu grouped-conv kernel', () => {
  it.skipIf(!CI && !probe.available)('finds a WebGPU adapter', () => {
    expect(probe.reason).toBeUndefined();
  });

  describe.skipIf(!probe.available)('matches the float64 reference', () => {
    for (const g of GEOMETRIES) {
      it(g.id, async () => {
        const graph = graphOf(g);
        const weights = initWeights(graph, 5);
        const input = seededInput([g.batch, g.groups * g.inPerGroup, ...g.hw], 9);
        const model = await tfjsAdapter.compile(graph, weights, { backend: 'webgpu' });
        try {
          expect(model.info()).toMatchObject({ backend: 'webgpu', groupedConv: 'kernel' });
          // The grouped conv really ran as our kernel: tfjs records every kernel it dispatches.
          const profile = await tf.profile(async () => {
            assertMatchesReference(graph, weights, input, await model.run(input));
          });
          expect(profile.kernelNames).toContain(GROUPED_CONV_KERNEL);
        } finally {
          await model.dispose();
        }
      });
    }

    it('keeps NaN and Inf inside their own group (PyTorch does; a block-diagonal filter does not)', async () => {
      const g = GEOMETRIES[0]!;
      const graph = graphOf(g);
      const weights = initWeights(graph, 5);
      const model = await tfjsAdapter.compile(graph, weights, { backend: 'webgpu' });
      try {
        for (const v of [Number.NaN, Number.POSITIVE_INFINITY]) {
          const input = seededInput([1, 8, ...g.hw], 9);
          input.data[7] = v; // channel 0 (group 0), row 1, column 1
          assertMatchesReference(graph, weights, input, await model.run(input));
        }
      } finally {
        await model.dispose();
      }
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  blockContract,
  GraphBuilder,
  inferShapes,
  lowerBlock,
  minInputSize,
  NETWORK_NAMES,
  networkGraph,
  outputShape,
  windowOutSize,
} from '../src/index.js';
import { expectError } from './expect-error.js';

describe('windowOutSize follows PyTorch', () => {
  it('floor mode', () => {
    expect(windowOutSize(224, 7, 2, 3, 3)).toBe(112); // resnet stem conv
    expect(windowOutSize(112, 3, 2, 1, 1)).toBe(56); // stem maxpool
    expect(windowOutSize(7, 2, 2, 0, 0)).toBe(3);
    expect(windowOutSize(7, 3, 1, 0, 0)).toBe(5);
    expect(windowOutSize(10, 3, 1, 0, 0, 2)).toBe(6); // dilation 2: effective kernel 5
    expect(windowOutSize(2, 3, 1, 0, 0)).toBe(0); // kernel larger than the input
    expect(windowOutSize(1, 7, 2, 3, 3)).toBe(1);
  });

  it('ceil mode', () => {
    expect(windowOutSize(7, 2, 2, 0, 0, 1, true)).toBe(4);
    expect(windowOutSize(8, 2, 2, 0, 0, 1, true)).toBe(4);
    expect(windowOutSize(1, 2, 2, 0, 0, 1, true)).toBe(1); // the partial window still starts inside
    expect(windowOutSize(3, 2, 2, 0, 0, 1, true)).toBe(2);
    // the last window would start in the right padding, so torch drops it: 4 -> 3
    expect(windowOutSize(5, 2, 2, 1, 1, 1, true)).toBe(3);
    expect(windowOutSize(6, 3, 2, 1, 1, 1, true)).toBe(4);
    expect(windowOutSize(6, 3, 2, 1, 1, 1, false)).toBe(3);
    expect(windowOutSize(1, 4, 2, 0, 0, 1, true)).toBe(0);
  });
});

describe('inferShapes', () => {
  it('handles any batch and non-square, odd sizes', () => {
    const g = networkGraph('resnet50');
    const s = inferShapes(g, [3, 3, 97, 65]);
    // 97 -> 49 -> 25 -> 25 -> 13 -> 7 -> 4; 65 -> 33 -> 17 -> 17 -> 9 -> 5 -> 3
    expect(s.get('conv1')).toEqual([3, 64, 49, 33]);
    expect(s.get('maxpool')).toEqual([3, 64, 25, 17]);
    expect(s.get('layer1.2.relu_out')).toEqual([3, 256, 25, 17]);
    expect(s.get('layer2.3.relu_out')).toEqual([3, 512, 13, 9]);
    expect(s.get('layer3.5.relu_out')).toEqual([3, 1024, 7, 5]);
    expect(s.get('layer4.2.relu_out')).toEqual([3, 2048, 4, 3]);
    expect(s.get('avgpool')).toEqual([3, 2048, 1, 1]);
    expect(outputShape(g, [3, 3, 97, 65])).toEqual([3, 1000]);
    expect(outputShape(g, [1, 3, 1, 300])).toEqual([1, 1000]);
  });

  it('keeps block shapes for stride 1 and halves (rounding up) for stride 2', () => {
    const b = lowerBlock(blockContract({ kind: 'bottleneck', planes: 8, inChannels: 16, stride: 2 }));
    expect(outputShape(b, [2, 16, 9, 6])).toEqual([2, 32, 5, 3]);
    const d = lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 8, inChannels: 16, stride: 2, shortcut: 'avgdown' }),
    );
    // ceil-mode avgpool in the shortcut agrees with the strided 3x3 on odd sizes
    expect(outputShape(d, [1, 16, 9, 7])).toEqual([1, 32, 5, 4]);
    expect(outputShape(d, [1, 16, 1, 1])).toEqual([1, 32, 1, 1]);
  });

  it('every named network runs down to 1x1 like its PyTorch counterpart', () => {
    for (const name of NETWORK_NAMES) expect(minInputSize(networkGraph(name)), name).toBe(1);
  });

  it('INPUT_TOO_SMALL below the smallest admitted size', () => {
    const g = new GraphBuilder('valid', 'x', 2);
    let h = g.conv('x', 'a', { inChannels: 2, outChannels: 2, kernel: 3 });
    h = g.conv(h, 'b', { inChannels: 2, outChannels: 2, kernel: 3 });
    const graph = g.finish(g.maxpool(h, 'pool', 3, 2, 0));
    const min = minInputSize(graph);
    expect(min).toBe(7);
    expect(inferShapes(graph, [1, 2, min, min]).get('pool')).toEqual([1, 2, 1, 1]);
    const err = expectError(() => inferShapes(graph, [1, 2, min - 1, min - 1]), 'INPUT_TOO_SMALL');
    expect(err.details).toMatchObject({ node: 'pool', height: 2, width: 2 });
    expect(err.message).toContain("'pool'");
    // one side alone too small
    expectError(() => inferShapes(graph, [1, 2, 64, 6]), 'INPUT_TOO_SMALL');
  });

  it('INPUT_SHAPE for a wrong rank, channel count or non-positive size', () => {
    const g = networkGraph('resnet18');
    for (const bad of [
      [3, 224, 224],
      [1, 1, 224, 224],
      [1, 3, 0, 224],
      [1, 3, 2.5, 4],
      [1, 3, 8, 8, 1],
    ]) {
      const err = expectError(() => inferShapes(g, bad), 'INPUT_SHAPE');
      expect(err.details.expected).toEqual(['N', 3, 'H', 'W']);
      expect(err.details.actual).toEqual(bad);
      expect(err.message).toContain(`[${bad.join(', ')}]`);
    }
    expectError(() => inferShapes(g, [0, 3, 8, 8]), 'INPUT_SHAPE');
  });
});

import type { Graph } from '@resblocks/spec';
import { exportOnnx } from './export.js';

const RELU: Graph = {
  name: 'probe',
  input: 'x',
  inChannels: 1,
  output: 'relu',
  nodes: [{ op: 'relu', name: 'relu', inputs: ['x'] }],
  params: [],
};

/**
 * The smallest model there is, one ReLU (output 'output'): a runtime that turns `input` into
 * `expected` really ran it. Probes run it to prove an execution provider works.
 */
export function probeModel(): {
  bytes: Uint8Array;
  shape: number[];
  input: Float32Array;
  expected: number[];
} {
  return {
    bytes: exportOnnx(RELU, new Map()),
    shape: [1, 1, 1, 2],
    input: Float32Array.from([-1, 2]),
    expected: [0, 2],
  };
}

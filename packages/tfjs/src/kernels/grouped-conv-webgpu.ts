import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu.js';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type GroupedConvAttrs, groupedConvShape } from './grouped-conv-shape.js';

/** Output pixels (along the width) per invocation. */
const PIXELS = 4;
const WORKGROUP = 64;

interface Geometry {
  kh: number;
  kw: number;
  inPerGroup: number;
  outPerGroup: number;
  stride: [number, number];
  dilation: [number, number];
  /** Channels per load of x: 4 (vec4) when a group's input channels come in fours, else 1. */
  xVec: 1 | 4;
  /** Output channels per invocation (vec4 of one group) or 1. */
  oVec: 1 | 4;
  bias: boolean;
  relu: boolean;
}

const type = (n: 1 | 4) => (n === 4 ? 'vec4<f32>' : 'f32');

/**
 * WGSL for one grouped convolution, NHWC. Each invocation computes PIXELS neighbouring output
 * pixels of one row times oVec output channels of one group: the input columns those pixels share
 * are loaded once per kernel row, each weight vector once per (kx, input channel), and all
 * accumulate in registers. Kernel size, strides, dilations and channels per group are constants,
 * so the loops unroll; sizes and pads are uniforms, so one pipeline serves every spatial size.
 */
function userCode(g: Geometry): string {
  const { kh, kw, inPerGroup, xVec, oVec } = g;
  const [sh, sw] = g.stride;
  const [dh, dw] = g.dilation;
  const cols = (PIXELS - 1) * sw + (kw - 1) * dw + 1;
  const X = type(xVec);
  const O = type(oVec);
  // One x load holds xVec input channels; weight row j (one per channel) holds oVec outputs.
  const lanes = xVec === 4 ? ['.x', '.y', '.z', '.w'] : [''];
  const weights = lanes.map((_, j) => `let w${j} = W[(wRow + ${j}) * wStride + ob];`).join('\n            ');
  const mac = lanes
    .map((lane, j) => `acc[p] = fma(${O}(xs[p * ${sw} + kx * ${dw}]${lane}), w${j}, acc[p]);`)
    .join('\n              ');
  const relu = g.relu ? `value = select(value, ${O}(0.0), value < ${O}(0.0));` : '';
  return `
    fn main(index : i32) {
      if (index >= uniforms.invocations) { return; }
      let outBlocks = uniforms.outShape[3] / ${oVec};
      let ob = index % outBlocks;
      var rest = index / outBlocks;
      let colBlock = rest % uniforms.outCols;
      rest = rest / uniforms.outCols;
      let row = rest % uniforms.outShape[1];
      let batch = rest / uniforms.outShape[1];
      let o = ob * ${oVec};
      let group = o / ${g.outPerGroup};
      let col0 = colBlock * ${PIXELS};
      let xRow0 = row * ${sh} - uniforms.pads[0];
      let xCol0 = col0 * ${sw} - uniforms.pads[1];
      let inH = uniforms.xShape[1];
      let inW = uniforms.xShape[2];
      let xStride = uniforms.xShape[3] / ${xVec};
      let xChan = group * ${inPerGroup / xVec};
      // W is [kh, kw, inPerGroup, out] read as rows of out / oVec vectors.
      let wStride = outBlocks;

      var acc : array<${O}, ${PIXELS}>;
      for (var p = 0; p < ${PIXELS}; p++) { acc[p] = ${O}(0.0); }
      var xs : array<${X}, ${cols}>;
      for (var ky = 0; ky < ${kh}; ky++) {
        let xr = xRow0 + ky * ${dh};
        if (xr < 0 || xr >= inH) { continue; }
        let rowBase = (batch * inH + xr) * inW;
        for (var ic = 0; ic < ${inPerGroup / xVec}; ic++) {
          for (var i = 0; i < ${cols}; i++) {
            let xc = xCol0 + i;
            // Zero padding: a column outside the input contributes nothing.
            xs[i] = ${X}(0.0);
            if (xc >= 0 && xc < inW) { xs[i] = x[(rowBase + xc) * xStride + xChan + ic]; }
          }
          for (var kx = 0; kx < ${kw}; kx++) {
            let wRow = (ky * ${kw} + kx) * ${inPerGroup} + ic * ${xVec};
            ${weights}
            for (var p = 0; p < ${PIXELS}; p++) {
              ${mac}
            }
          }
        }
      }

      for (var p = 0; p < ${PIXELS}; p++) {
        let c = col0 + p;
        if (c >= uniforms.outShape[2]) { break; }
        var value = acc[p];
        ${g.bias ? 'value = value + bias[ob];' : ''}
        ${relu}
        result[((batch * uniforms.outShape[1] + row) * uniforms.outShape[2] + c) * outBlocks + ob] = value;
      }
    }
  `;
}

function program(g: Geometry, outShape: number[], invocations: number): WebGPUProgram {
  const key = [
    'resblocksGroupedConv',
    g.kh,
    g.kw,
    ...g.stride,
    ...g.dilation,
    g.inPerGroup,
    g.outPerGroup,
    g.xVec,
    g.oVec,
    g.bias,
    g.relu,
  ].join('_');
  return {
    variableNames: g.bias ? ['x', 'W', 'bias'] : ['x', 'W'],
    variableComponents: g.bias ? [g.xVec, g.oVec, g.oVec] : [g.xVec, g.oVec],
    outputComponent: g.oVec,
    outputShape: outShape,
    shaderKey: key,
    uniforms: 'pads : vec2<i32>, outCols : i32, invocations : i32,',
    workgroupSize: [WORKGROUP, 1, 1],
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [Math.ceil(invocations / WORKGROUP), 1, 1],
    getUserCode: () => userCode(g),
  };
}

export const groupedConvWebGPU: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
  const a = attrs as unknown as GroupedConvAttrs;
  const { n, kh, kw, inPerGroup, outPerGroup, out, oh, ow } = groupedConvShape(x, filter, a);
  const [pt, pl] = a.pads;
  const g: Geometry = {
    kh,
    kw,
    inPerGroup,
    outPerGroup,
    stride: a.stride,
    dilation: a.dilation,
    xVec: inPerGroup % 4 === 0 ? 4 : 1,
    oVec: outPerGroup % 4 === 0 ? 4 : 1,
    bias: bias !== undefined,
    relu: a.relu,
  };
  const outCols = Math.ceil(ow / PIXELS);
  const invocations = n * oh * outCols * (out / g.oVec);
  const uniforms = [
    { type: 'int32', data: [pt, pl] },
    { type: 'int32', data: [outCols] },
    { type: 'int32', data: [invocations] },
  ];
  const ins = bias ? [x, filter, bias] : [x, filter];
  return (backend as WebGPUBackend).runWebGPUProgram(
    program(g, [n, oh, ow, out], invocations),
    ins,
    'float32',
    uniforms,
  );
};

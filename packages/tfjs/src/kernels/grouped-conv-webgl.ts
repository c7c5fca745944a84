import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/webgl.js';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type GroupedConvAttrs, type GroupedConvShape, groupedConvShape } from './grouped-conv-shape.js';

/**
 * GLSL for one grouped convolution, NHWC. A WebGL fragment writes one texel, and tfjs's unpacked
 * textures hold one value per texel, so each invocation computes one output: the sum over its own
 * group's input channels only (not the zero blocks of a block-diagonal filter), four channels per
 * dot product as tfjs's own Conv2DProgram does. Sizes are constants, as in tfjs's programs.
 */
function userCode(s: GroupedConvShape, a: GroupedConvAttrs, bias: boolean): string {
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const [pt, pl] = a.pads;
  const vec = s.inPerGroup % 4 === 0;
  const sum = vec
    ? `for (int i = 0; i < ${s.inPerGroup}; i += 4) {
              int c = c0 + i;
              vec4 xv = vec4(getX(b, xr, xc, c), getX(b, xr, xc, c + 1), getX(b, xr, xc, c + 2), getX(b, xr, xc, c + 3));
              vec4 wv = vec4(getW(ky, kx, i, o), getW(ky, kx, i + 1, o), getW(ky, kx, i + 2, o), getW(ky, kx, i + 3, o));
              acc += dot(xv, wv);
            }`
    : `for (int i = 0; i < ${s.inPerGroup}; i++) {
              acc += getX(b, xr, xc, c0 + i) * getW(ky, kx, i, o);
            }`;
  return `
    void main() {
      ivec4 coords = getOutputCoords();
      int b = coords[0];
      int o = coords[3];
      int c0 = (o / ${s.outPerGroup}) * ${s.inPerGroup};
      int xr0 = coords[1] * ${sh} - ${pt};
      int xc0 = coords[2] * ${sw} - ${pl};
      float acc = 0.0;
      for (int ky = 0; ky < ${s.kh}; ky++) {
        int xr = xr0 + ky * ${dh};
        if (xr < 0 || xr >= ${s.h}) continue;
        for (int kx = 0; kx < ${s.kw}; kx++) {
          int xc = xc0 + kx * ${dw};
          if (xc < 0 || xc >= ${s.w}) continue;
          ${sum}
        }
      }
      ${bias ? 'acc += getBias(o);' : ''}
      ${a.relu ? 'if (!isnan(acc) && acc < 0.0) acc = 0.0;' : ''}
      setOutput(acc);
    }
  `;
}

export const groupedConvWebGL: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
  const a = attrs as unknown as GroupedConvAttrs;
  const s = groupedConvShape(x, filter, a);
  const program: GPGPUProgram = {
    variableNames: bias ? ['x', 'W', 'bias'] : ['x', 'W'],
    outputShape: [s.n, s.oh, s.ow, s.out],
    userCode: userCode(s, a, bias !== undefined),
  };
  return (backend as MathBackendWebGL).runWebGLProgram(
    program,
    bias ? [x, filter, bias] : [x, filter],
    'float32',
  );
};

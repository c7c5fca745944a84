// onnx-proto is a CommonJS module whose exports cjs-module-lexer cannot see, so only its
// default export is reachable from ESM.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

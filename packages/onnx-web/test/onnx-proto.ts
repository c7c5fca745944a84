import { onnx } from '../src/proto.js';

/** Decodes an exported model, for structure checks. */
export function decode(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes);
}

/** Reads an int attribute list of a decoded node. */
export function attr(
  node: { attribute?: { name?: string | null; ints?: unknown[] | null; i?: unknown }[] | null },
  name: string,
) {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints?.length ? a.ints.map(Number) : Number(a.i);
}

/** Builds raw safetensors bytes, valid or not, for the parser tests. */
export function rawFile(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: bigint,
): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  return rawFileBytes(new TextEncoder().encode(text), data, headerLength);
}

export function rawFileBytes(
  headerBytes: Uint8Array,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: bigint,
): Uint8Array {
  const out = new Uint8Array(8 + headerBytes.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.byteLength);
  return out;
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The JSON header of a file (assumes a valid length field). */
export function headerOf(file: Uint8Array): { json: Record<string, unknown>; data: Uint8Array } {
  const len = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + len))) as Record<string, unknown>;
  return { json, data: file.subarray(8 + len) };
}

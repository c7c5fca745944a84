/** Builds .npy bytes by hand (independently of the writer under test). */
export function npyBytes(header: string, data: Uint8Array, version = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  let h = header;
  const pad = (64 - ((8 + lenBytes + h.length + 1) % 64)) % 64;
  h += `${' '.repeat(pad)}\n`;
  const out = new Uint8Array(8 + lenBytes + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[8 + lenBytes + i] = h.charCodeAt(i);
  out.set(data, 8 + lenBytes + h.length);
  return out;
}

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function f32Npy(shape: number[], values: ArrayLike<number>): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  return npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`, f32Bytes(values));
}

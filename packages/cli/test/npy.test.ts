import { isResblocksError } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { parseNpy, serializeNpy } from '../src/npy.js';
import { f32Bytes, npyBytes } from './npy-bytes.js';

function parseError(bytes: Uint8Array): { code: string; message: string } {
  try {
    parseNpy(bytes);
  } catch (e) {
    if (isResblocksError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('parseNpy accepted the file');
}

const values = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
const header = (descr: string, shape = '(1, 2, 3, 4)', fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe('parseNpy', () => {
  it('reads the bytes numpy.save writes (versions 1.0, 2.0, 3.0)', () => {
    for (const version of [1, 2, 3]) {
      const a = parseNpy(npyBytes(header('<f4'), f32Bytes(values), version));
      expect(a.shape).toEqual([1, 2, 3, 4]);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  it('round-trips through serializeNpy with a 64-byte aligned header', () => {
    const bytes = serializeNpy([2, 3, 4], Float32Array.from(values));
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    const a = parseNpy(bytes);
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(values);
    expect(parseNpy(serializeNpy([24], Float32Array.from(values))).shape).toEqual([24]);
  });

  it('rejects a file without the magic string', () => {
    const bytes = npyBytes(header('<f4'), f32Bytes(values));
    bytes[1] = 0x4f;
    expect(parseError(bytes)).toMatchObject({
      code: 'NPY_FORMAT',
      message: expect.stringContaining('magic'),
    });
    expect(parseError(new Uint8Array(4)).message).toContain('magic');
  });

  it('rejects an unsupported format version', () => {
    expect(parseError(npyBytes(header('<f4'), f32Bytes(values), 4)).message).toContain('version 4.0');
  });

  it('converts float64 (numpy default) to float32', () => {
    const f8 = new Uint8Array(new Float64Array(values.map((v) => v + 0.1)).buffer);
    const a = parseNpy(npyBytes(header('<f8'), f8));
    expect(a.convertedFrom).toBe('float64');
    expect(a.shape).toEqual([1, 2, 3, 4]);
    expect([...a.data]).toEqual([...Float32Array.from(values.map((v) => v + 0.1))]);
    expect(parseNpy(npyBytes(header('<f4'), f32Bytes(values))).convertedFrom).toBeUndefined();
    // the length check counts 8 bytes per element
    expect(parseError(npyBytes(header('<f8'), f8.subarray(8))).message).toContain(
      'needs 192 bytes of float64',
    );
    expect(parseError(npyBytes(header('>f8'), f8)).message).toContain("'>f8' (big-endian float64)");
  });

  it('names other dtypes', () => {
    const f2 = parseError(npyBytes(header('<f2'), new Uint8Array(24 * 2)));
    expect(f2.code).toBe('INPUT_DTYPE');
    expect(f2.message).toContain("'<f2' (float16)");
    expect(parseError(npyBytes(header('|u1'), new Uint8Array(24))).message).toContain("'|u1' (uint8)");
    expect(parseError(npyBytes(header('>f4'), new Uint8Array(96))).message).toContain('big-endian');
  });

  it('rejects Fortran order', () => {
    expect(parseError(npyBytes(header('<f4', '(1, 2, 3, 4)', 'True'), f32Bytes(values))).message).toContain(
      'Fortran order',
    );
  });

  it('rejects data shorter or longer than the shape needs', () => {
    const short = parseError(npyBytes(header('<f4'), f32Bytes(values.slice(1))));
    expect(short.message).toContain('needs 96 bytes');
    expect(short.message).toContain('holds 92');
    expect(parseError(npyBytes(header('<f4'), f32Bytes([...values, 1]))).message).toContain('holds 100');
  });

  it('rejects a header longer than the limit or past the end of the file', () => {
    const huge = npyBytes(header('<f4'), f32Bytes(values), 2);
    new DataView(huge.buffer).setUint32(8, 2 ** 31, true);
    expect(parseError(huge).message).toContain('exceeds');
    const past = npyBytes(header('<f4'), f32Bytes(values));
    new DataView(past.buffer).setUint16(8, 60_000, true);
    expect(parseError(past).message).toContain('runs past the end');
  });

  it('rejects malformed headers instead of evaluating them', () => {
    for (const h of [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)",
      "{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }",
      "{'descr': '<f4', 'fortran_order': False, }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (24,), 'extra': True}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (24,), }",
    ]) {
      expect(parseError(npyBytes(h, f32Bytes(values))).code).toBe('NPY_FORMAT');
    }
  });

  it('rejects absurd shapes without allocating them', () => {
    const e = parseError(npyBytes(header('<f4', '(100000, 100000, 100000, 100000)'), f32Bytes(values)));
    expect(e.message).toContain('holds 96');
  });
});

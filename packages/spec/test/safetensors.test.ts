import { describe, expect, it } from 'vitest';
import {
  DTYPE_BYTES,
  entryToFloat32,
  entryToFloat64,
  MAX_HEADER_BYTES,
  parseSafetensors,
  readWeights,
  serializeSafetensors,
  type Tensor,
  writeWeights,
} from '../src/index.js';
import { expectError } from './expect-error.js';
import { bytesOf, headerOf, rawFile, rawFileBytes } from './safetensors-files.js';

const f32 = (shape: number[], values: number[]): Tensor => ({ shape, data: Float32Array.from(values) });
const bad = (file: Uint8Array) => expectError(() => parseSafetensors(file), 'SAFETENSORS_FORMAT');
const entry = (dtype: string, shape: number[], offsets: [number, number]) => ({
  dtype,
  shape,
  data_offsets: offsets,
});

describe('safetensors round trip', () => {
  it('knows the width of every dtype of the format', () => {
    // By width, apart from the table: the fuzz test sizes entries with DTYPE_BYTES.
    const widths = {
      8: ['F64', 'I64'],
      4: ['F32', 'I32'],
      2: ['F16', 'BF16', 'I16'],
      1: ['I8', 'U8', 'BOOL'],
    };
    const expected = Object.entries(widths).flatMap(([n, dtypes]) => dtypes.map((d) => [d, Number(n)]));
    expect(Object.entries(DTYPE_BYTES).sort()).toEqual(expected.sort());
  });

  it('writes and reads float32 weights with metadata', () => {
    const w = new Map<string, Tensor>([
      ['conv1.weight', f32([2, 1, 1, 2], [1, -2, 3.5, Number.NaN])],
      ['bn1.running_var', f32([3], [0.1, 1e-30, -0])],
      ['empty', f32([0, 4], [])],
      ['scalar', f32([], [42])],
    ]);
    const file = writeWeights(w, { format: 'pt', note: 'ünïcode' });
    expect((file.byteLength - headerOf(file).data.byteLength) % 8).toBe(0);
    const parsed = parseSafetensors(file);
    expect(parsed.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect([...parsed.tensors.keys()]).toEqual([...w.keys()]);
    const back = readWeights(file);
    for (const [name, t] of w) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(bytesOf(back.get(name)!.data)).toEqual(bytesOf(t.data));
    }
    // entries are views of the file, not copies
    expect(parsed.tensors.get('conv1.weight')!.bytes.buffer).toBe(file.buffer);
  });

  it('reads from a view with a byte offset (a Node Buffer slice)', () => {
    const file = writeWeights(new Map([['a', f32([2], [1, 2])]]));
    const padded = new Uint8Array(file.byteLength + 3);
    padded.set(file, 3);
    expect(Array.from(readWeights(padded.subarray(3)).get('a')!.data)).toEqual([1, 2]);
    expect(Array.from(readWeights(Buffer.from(file)).get('a')!.data)).toEqual([1, 2]);
  });

  it('round trips F64, I32 and U8', () => {
    const file = serializeSafetensors(
      new Map<string, { shape: number[]; data: Float64Array | Int32Array | Uint8Array }>([
        ['d', { shape: [2], data: Float64Array.from([0.1, -1e300]) }],
        ['i', { shape: [1, 2], data: Int32Array.from([-7, 2 ** 31 - 1]) }],
        ['u', { shape: [3], data: Uint8Array.from([0, 128, 255]) }],
      ]),
    );
    const { tensors } = parseSafetensors(file);
    expect(tensors.get('d')!.dtype).toBe('F64');
    expect(Array.from(entryToFloat64('d', tensors.get('d')!))).toEqual([0.1, -1e300]);
    // F64 -> F32 rounds once (overflowing to -Infinity)
    expect(Array.from(entryToFloat32('d', tensors.get('d')!).data)).toEqual([
      Math.fround(0.1),
      Number.NEGATIVE_INFINITY,
    ]);
    expect(tensors.get('i')!.dtype).toBe('I32');
    expect(tensors.get('i')!.shape).toEqual([1, 2]);
    expect(Array.from(new Int32Array(tensors.get('i')!.bytes.slice().buffer))).toEqual([-7, 2 ** 31 - 1]);
    expect(tensors.get('u')!.dtype).toBe('U8');
    expectError(() => entryToFloat32('i', tensors.get('i')!), 'WEIGHTS_DTYPE');
    expectError(() => entryToFloat64('u', tensors.get('u')!), 'WEIGHTS_DTYPE');
    expectError(() => readWeights(file), 'WEIGHTS_DTYPE');
  });

  it('converts F16 exactly, including subnormals, infinities and NaN', () => {
    const halves = Uint16Array.from([
      0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000,
    ]);
    const file = rawFile({ h: entry('F16', [10], [0, 20]) }, bytesOf(halves));
    const out = readWeights(file).get('h')!.data;
    expect(Array.from(out)).toEqual([
      1,
      -2,
      0.5,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      -0,
    ]);
  });

  it('converts BF16 by widening the top 16 bits', () => {
    const b = Uint16Array.from([0x3f80, 0xc000, 0x4049, 0x7f80, 0x0001, 0x7fc0, 0x8000]);
    const out = readWeights(rawFile({ b: entry('BF16', [7], [0, 14]) }, bytesOf(b))).get('b')!.data;
    expect(Array.from(out)).toEqual([1, -2, 3.140625, Number.POSITIVE_INFINITY, 2 ** -133, Number.NaN, -0]);
  });

  it('keeps the int64 BN counter as an empty placeholder', () => {
    const file = rawFile({ 'bn1.num_batches_tracked': entry('I64', [], [0, 8]) }, new Uint8Array(8));
    expect(readWeights(file).get('bn1.num_batches_tracked')).toEqual({
      shape: [],
      data: new Float32Array(0),
    });
  });

  it('accepts an empty header object and zero-size tensors at one offset', () => {
    expect(parseSafetensors(rawFile({})).tensors.size).toBe(0);
    const z = parseSafetensors(
      rawFile(
        { a: entry('F32', [0], [4, 4]), b: entry('F32', [1], [0, 4]), c: entry('F32', [3, 0], [4, 4]) },
        new Uint8Array(4),
      ),
    );
    expect(z.tensors.get('a')!.bytes.byteLength).toBe(0);
    expect(z.tensors.get('c')!.shape).toEqual([3, 0]);
  });
});

describe('safetensors rejects malformed files', () => {
  const one = (e: unknown, data = new Uint8Array(8)) => rawFile({ t: e }, data);

  it('truncated files', () => {
    for (let n = 0; n < 8; n++) {
      const err = bad(new Uint8Array(n));
      expect(err.message).toContain(`${n} bytes`);
    }
    const file = writeWeights(new Map([['a', f32([4], [1, 2, 3, 4])]]));
    for (let n = 8; n < file.byteLength; n++) bad(file.subarray(0, n));
  });

  it('header length past the end of the file', () => {
    // the header '{}' is 2 bytes; the file is 10
    for (const len of [3n, 100n, BigInt(MAX_HEADER_BYTES)]) {
      const err = bad(rawFile({}, new Uint8Array(0), len));
      expect(err.message).toContain('runs past the end of the 10-byte file');
      expect(err.details.headerLen).toBe(Number(len));
    }
    // shorter than the real header: the JSON is cut
    expect(bad(rawFile({}, new Uint8Array(0), 1n)).message).toContain('JSON');
    expect(parseSafetensors(rawFile({}, new Uint8Array(0), 2n)).tensors.size).toBe(0);
  });

  it('absurd header lengths throw before allocating anything', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const len of [2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, BigInt(MAX_HEADER_BYTES) + 1n]) {
      const err = bad(rawFile({}, new Uint8Array(0), len));
      expect(err.message).toContain('exceeds');
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });

  it('offsets outside the data section', () => {
    const err = bad(one(entry('F32', [2], [4, 12])));
    expect(err.message).toContain("'t'");
    expect(err.details.key).toBe('t');
    bad(one(entry('F32', [4], [0, 16])));
  });

  it('invalid offsets', () => {
    for (const o of [[4, 0], [-4, 0], [0, 4.5], [0], [0, 4, 8], ['0', '4'], null, {}, [0, 2 ** 53]])
      bad(one({ dtype: 'F32', shape: [1], data_offsets: o }));
  });

  it('overlapping tensors', () => {
    const err = bad(
      rawFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, new Uint8Array(8)),
    );
    expect(err.details.keys).toEqual(['a', 'b']);
    bad(rawFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [0, 8]) }, new Uint8Array(8)));
  });

  it('unknown dtypes, including names inherited by plain objects', () => {
    for (const dtype of ['F8', 'f32', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 4, null]) {
      const err = bad(one(entry(dtype as string, [1], [0, 4])));
      expect(err.message).toContain('unknown dtype');
    }
  });

  it('headers that are not UTF-8 JSON objects', () => {
    const enc = new TextEncoder();
    bad(rawFile('not json'));
    bad(rawFile(''));
    bad(rawFile('{"a": '));
    bad(rawFile('[]'));
    bad(rawFile('null'));
    bad(rawFile('"text"'));
    bad(rawFile('12'));
    // a lone continuation byte and an overlong encoding inside a JSON string
    bad(rawFileBytes(Uint8Array.from([...enc.encode('{"'), 0x80, ...enc.encode('": 1}')])));
    bad(rawFileBytes(Uint8Array.from([...enc.encode('{"'), 0xc0, 0xaf, ...enc.encode('":{}}')])));
    bad(rawFileBytes(Uint8Array.from([...enc.encode('{}'), 0xff])));
    bad(rawFile({ t: 'x' }));
    bad(rawFile({ t: null }));
    bad(rawFile({ t: [] }));
  });

  it('__metadata__ must map strings to strings', () => {
    bad(rawFile({ __metadata__: 'x' }));
    bad(rawFile({ __metadata__: ['a'] }));
    bad(rawFile({ __metadata__: { a: 1 } }));
    expect(parseSafetensors(rawFile({ __metadata__: { a: 'b' } })).metadata).toEqual({ a: 'b' });
  });

  it('shape and offsets disagreeing on the size', () => {
    const err = bad(one(entry('F32', [3], [0, 8])));
    expect(err.message).toContain('needs 12 bytes but its offsets span 8');
    bad(one(entry('F16', [2], [0, 8])));
    bad(one(entry('F64', [], [0, 4])));
  });

  it('negative, fractional and non-numeric shapes', () => {
    for (const shape of [[-2], [2.5], [1, -1], ['2'], [null], 'x', null, { 0: 2 }, [Number.NaN], [1e300]]) {
      const err = bad(one({ dtype: 'F32', shape, data_offsets: [0, 8] }));
      expect(err.message).toContain('invalid shape');
    }
  });

  it('a header claiming a huge shape neither allocates nor overflows', () => {
    const before = process.memoryUsage().arrayBuffers;
    const huge = [
      [2 ** 26, 2 ** 26],
      [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1],
      [2 ** 30],
      [2 ** 27, 2 ** 27, 0, 2 ** 27],
    ];
    for (const shape of huge) {
      bad(one(entry('F32', shape, [0, 8])));
      expectError(() => readWeights(one(entry('F64', shape, [0, 8]))), 'SAFETENSORS_FORMAT');
    }
    bad(one(entry('BF16', [2 ** 40, 2 ** 40], [0, 0])));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });
});

import { describe, expect, it } from 'vitest';
import {
  DTYPE_BYTES,
  entryToFloat32,
  Mulberry32,
  parseSafetensors,
  ResblocksError,
  readWeights,
  type SafetensorsFile,
  serializeSafetensors,
  sizeOf,
} from '../src/index.js';
import { headerOf, rawFile, rawFileBytes } from './safetensors-files.js';

/** A few valid files of different kinds to mutate. */
function seeds(): Uint8Array[] {
  const rng = new Mulberry32(7);
  const f = (n: number) => Float32Array.from({ length: n }, () => rng.symmetric());
  return [
    serializeSafetensors(
      new Map([
        ['conv1.weight', { shape: [4, 3, 3, 3], data: f(108) }],
        ['bn1.weight', { shape: [4], data: f(4) }],
        ['bn1.running_var', { shape: [4], data: f(4) }],
      ]),
      { format: 'pt' },
    ),
    serializeSafetensors(
      new Map<string, { shape: number[]; data: Float64Array | Int32Array | Uint8Array | Float32Array }>([
        ['expected', { shape: [2, 3], data: Float64Array.from({ length: 6 }, () => rng.uniform()) }],
        ['ids', { shape: [3], data: Int32Array.from([1, 2, 3]) }],
        ['mask', { shape: [5], data: Uint8Array.from([0, 1, 0, 1, 1]) }],
        ['empty', { shape: [0, 2], data: new Float32Array(0) }],
      ]),
    ),
    rawFile(
      {
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [4], data_offsets: [8, 16] },
        'bn1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [16, 24] },
      },
      Uint8Array.from({ length: 24 }, (_, i) => (i * 37) & 0xff),
    ),
  ];
}

const WEIRD_NUMBERS = [
  -1,
  0,
  1,
  2,
  3,
  4,
  7,
  8,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 - 1,
  1e308,
  -(2 ** 31),
];
const WEIRD_VALUES: unknown[] = [...WEIRD_NUMBERS, null, 'F32', '4', [], {}, true, [1, 2], [[1]]];
const DTYPES = [...Object.keys(DTYPE_BYTES), 'F8', 'toString', '__proto__', '', 'f32'];

type Mutation = (file: Uint8Array, rng: Mulberry32) => Uint8Array;
const pick = <T>(rng: Mulberry32, xs: readonly T[]): T => xs[rng.next() % xs.length]!;

const mutations: Record<string, Mutation> = {
  flipBytes(file, rng) {
    const out = file.slice();
    const headerEnd = Math.min(
      out.length,
      8 + Number(new DataView(out.buffer).getBigUint64(0, true) & 0xffffn),
    );
    for (let k = 1 + (rng.next() % 4); k > 0; k--) {
      // mostly inside the header, where the structure lives
      const at = rng.uniform() < 0.8 ? rng.next() % headerEnd : rng.next() % out.length;
      out[at] = rng.uniform() < 0.5 ? out[at]! ^ (1 << (rng.next() % 8)) : rng.next() & 0xff;
    }
    return out;
  },
  truncate(file, rng) {
    return file.slice(0, rng.next() % file.length);
  },
  insert(file, rng) {
    // at the end this is trailing data (accepted); anywhere else it shifts header or data
    const extra = Uint8Array.from({ length: 1 + (rng.next() % 16) }, () => rng.next() & 0xff);
    const at = rng.uniform() < 0.3 ? file.length : rng.next() % file.length;
    const out = new Uint8Array(file.length + extra.length);
    out.set(file.subarray(0, at));
    out.set(extra, at);
    out.set(file.subarray(at), at + extra.length);
    return out;
  },
  lengthField(file, rng) {
    const out = file.slice();
    const view = new DataView(out.buffer);
    const real = view.getBigUint64(0, true);
    const r = rng.uniform();
    let len: bigint;
    if (r < 0.4) len = real + BigInt((rng.next() % 33) - 16);
    else if (r < 0.7) len = BigInt(rng.next()) * (rng.uniform() < 0.5 ? 1n : BigInt(rng.next()));
    else len = (BigInt(rng.next()) << 32n) | BigInt(rng.next());
    view.setBigUint64(0, BigInt.asUintN(64, len), true);
    return out;
  },
  headerEdit(file, rng) {
    const { json, data } = headerOf(file);
    const names = Object.keys(json).filter((k) => k !== '__metadata__');
    const name = pick(rng, names.length ? names : ['x']);
    const e = { ...((json[name] as Record<string, unknown>) ?? {}) };
    const r = rng.uniform();
    if (r < 0.25) e.dtype = pick(rng, DTYPES);
    else if (r < 0.5) {
      const shape = Array.isArray(e.shape) ? [...e.shape] : [];
      const i = rng.next() % (shape.length + 1);
      if (rng.uniform() < 0.7) shape[i] = pick(rng, WEIRD_VALUES);
      else shape.splice(i, 1);
      e.shape = rng.uniform() < 0.9 ? shape : pick(rng, WEIRD_VALUES);
    } else if (r < 0.8) {
      const o = Array.isArray(e.data_offsets) ? [...e.data_offsets] : [0, 0];
      o[rng.next() % 2] = rng.uniform() < 0.5 ? pick(rng, WEIRD_VALUES) : rng.next() % (data.length + 8);
      e.data_offsets = rng.uniform() < 0.9 ? o : pick(rng, WEIRD_VALUES);
    } else if (r < 0.9) {
      json.__metadata__ = pick(rng, [{ a: 1 }, 'm', null, { a: 'b' }, ['x']]);
    } else {
      json[`${name}_copy`] = { ...e };
    }
    json[name] = rng.uniform() < 0.95 ? e : pick(rng, WEIRD_VALUES);
    return rawFile(json, data);
  },
  headerText(file, rng) {
    const { json, data } = headerOf(file);
    const text = new TextEncoder().encode(JSON.stringify(json));
    for (let k = 1 + (rng.next() % 3); k > 0; k--) text[rng.next() % text.length] = 32 + (rng.next() % 95);
    return rawFileBytes(text, data);
  },
};

/** Everything a successful parse promises: known dtypes, sizes that add up, in-bounds, disjoint views. */
function assertConsistent(file: Uint8Array, parsed: SafetensorsFile): void {
  const headerLen = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const dataStart = file.byteOffset + 8 + headerLen;
  const spans: [number, number][] = [];
  for (const [name, e] of parsed.tensors) {
    expect(Object.hasOwn(DTYPE_BYTES, e.dtype), name).toBe(true);
    expect(e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
    expect(e.bytes.byteLength).toBe(sizeOf(e.shape) * DTYPE_BYTES[e.dtype]);
    expect(e.bytes.buffer).toBe(file.buffer);
    expect(e.bytes.byteOffset).toBeGreaterThanOrEqual(dataStart);
    expect(e.bytes.byteOffset + e.bytes.byteLength).toBeLessThanOrEqual(file.byteOffset + file.byteLength);
    if (e.bytes.byteLength) spans.push([e.bytes.byteOffset, e.bytes.byteOffset + e.bytes.byteLength]);
    if (['F32', 'F64', 'F16', 'BF16'].includes(e.dtype))
      expect(entryToFloat32(name, e).data.length).toBe(sizeOf(e.shape));
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  for (const v of Object.values(parsed.metadata)) expect(typeof v).toBe('string');
}

describe('safetensors fuzz', () => {
  it('every mutation parses consistently or throws SAFETENSORS_FORMAT', () => {
    const rng = new Mulberry32(20240601);
    const files = seeds();
    const kinds = Object.keys(mutations);
    const outcomes: Record<string, { ok: number; rejected: number }> = {};
    const before = process.memoryUsage().arrayBuffers;
    const N = 6000;
    for (let i = 0; i < N; i++) {
      const kind = kinds[i % kinds.length]!;
      const file = mutations[kind]!(pick(rng, files), rng);
      let parsed: SafetensorsFile | undefined;
      try {
        parsed = parseSafetensors(file);
      } catch (e) {
        if (!(e instanceof ResblocksError) || e.code !== 'SAFETENSORS_FORMAT')
          throw new Error(`mutation ${i} (${kind}) threw ${String(e)}`, { cause: e });
      }
      outcomes[kind] ??= { ok: 0, rejected: 0 };
      if (parsed) {
        outcomes[kind].ok++;
        assertConsistent(file, parsed);
        try {
          readWeights(file);
        } catch (e) {
          // only integer tensors may stop readWeights, with a typed error
          expect((e as ResblocksError).code, String(e)).toBe('WEIGHTS_DTYPE');
        }
      } else outcomes[kind].rejected++;
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 2 ** 20);
    // the mutations exercise both outcomes, so the test says something about each
    for (const kind of kinds) expect(outcomes[kind]!.rejected, kind).toBeGreaterThan(0);
    const accepted = Object.values(outcomes).reduce((s, o) => s + o.ok, 0);
    expect(accepted).toBeGreaterThan(N / 20);
    // A hang or a quadratic blow-up runs into this limit; a few seconds is normal on a slow core.
  }, 120_000);
});

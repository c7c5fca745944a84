import type { Mulberry32 } from '@resblocks/spec';

/** One way of damaging a file. `others` are the target's other seeds (for splicing). */
export type Mutation = (file: Uint8Array, rng: Mulberry32, others: readonly Uint8Array[]) => Uint8Array;

export const pick = <T>(rng: Mulberry32, xs: readonly T[]): T => xs[rng.next() % xs.length]!;
const below = (rng: Mulberry32, n: number) => (n > 0 ? rng.next() % n : 0);

/** An offset, mostly in the first bytes, where headers (and so the interesting fields) live. */
function offset(rng: Mulberry32, length: number): number {
  return rng.uniform() < 0.7 ? below(rng, Math.min(length, 512)) : below(rng, length);
}

/** Values that sit on the edges integer fields are checked against. */
const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 13, 16, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 30000, 65500,
  0x7fffffff, 0x80000000, 0xffffffff, 100_000_000,
];
/** The same edges written as decimal text (JSON and Python headers). */
const INTERESTING_TEXT = [
  '0',
  '1',
  '-1',
  '2',
  '3',
  '65535',
  '4294967295',
  '4294967296',
  '2147483648',
  '9007199254740991',
  '9007199254740993',
  '100000000000',
  '1e308',
  '0.5',
];

function splice(file: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(file.length - remove + insert.length);
  out.set(file.subarray(0, at));
  out.set(insert, at);
  out.set(file.subarray(at + remove), at + insert.length);
  return out;
}

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flipBits(file, rng) {
    const out = file.slice();
    for (let k = 1 + below(rng, 4); k > 0 && out.length; k--) {
      const at = offset(rng, out.length);
      out[at] = rng.uniform() < 0.5 ? out[at]! ^ (1 << below(rng, 8)) : rng.next() & 0xff;
    }
    return out;
  },
  truncate(file, rng) {
    return file.slice(0, below(rng, file.length));
  },
  insertBytes(file, rng) {
    const extra = Uint8Array.from({ length: 1 + below(rng, 32) }, () => rng.next() & 0xff);
    return splice(file, rng.uniform() < 0.2 ? file.length : offset(rng, file.length), 0, extra);
  },
  deleteBytes(file, rng) {
    const at = offset(rng, file.length);
    return splice(file, at, Math.min(file.length - at, 1 + below(rng, 64)), new Uint8Array(0));
  },
  /** Copies a stretch of the file elsewhere in it: repeated chunks, segments, scans. */
  duplicate(file, rng) {
    const from = below(rng, file.length);
    const piece = file.slice(from, from + 1 + below(rng, 256));
    return splice(file, below(rng, file.length + 1), 0, piece);
  },
  /** Writes an edge value into a binary integer field (either byte order, 1, 2 or 4 bytes). */
  integer(file, rng) {
    const out = file.slice();
    const size = pick(rng, [1, 2, 4] as const);
    const at = offset(rng, Math.max(0, out.length - size + 1));
    if (at + size > out.length) return out;
    const value = pick(rng, INTERESTING) + (rng.uniform() < 0.2 ? pick(rng, [-1, 1]) : 0);
    const view = new DataView(out.buffer);
    const little = rng.uniform() < 0.5;
    if (size === 1) view.setUint8(at, value & 0xff);
    else if (size === 2) view.setUint16(at, value & 0xffff, little);
    else view.setUint32(at, value >>> 0, little);
    return out;
  },
  /** Replaces a decimal number in a text header (JSON, Python dict) with an edge value. */
  textNumber(file, rng) {
    const head = new TextDecoder('latin1').decode(file.subarray(0, 4096));
    const numbers = [...head.matchAll(/-?[0-9]+/g)];
    if (!numbers.length) return MUTATIONS.integer!(file, rng, []);
    const m = pick(rng, numbers);
    const text = Uint8Array.from(pick(rng, INTERESTING_TEXT), (c) => c.charCodeAt(0));
    return splice(file, m.index, m[0].length, text);
  },
  /** The start of this file joined to the rest of another seed. */
  crossover(file, rng, others) {
    const other = pick(rng, others.length ? others : [file]);
    const cut = below(rng, file.length);
    const out = new Uint8Array(cut + other.length - Math.min(cut, other.length));
    out.set(file.subarray(0, cut));
    out.set(other.subarray(Math.min(cut, other.length)), cut);
    return out;
  },
};

/**
 * One to three mutations stacked, as coverage-less fuzzers do to reach past the first check,
 * drawn from the generic ones and the target's own (format-aware) ones.
 */
export function mutate(
  seed: Uint8Array,
  rng: Mulberry32,
  others: readonly Uint8Array[],
  extra: Readonly<Record<string, Mutation>> = {},
): { file: Uint8Array; applied: string[] } {
  const all = { ...MUTATIONS, ...extra };
  const names = Object.keys(all);
  let file = seed;
  const applied: string[] = [];
  for (let k = 1 + (rng.uniform() < 0.3 ? below(rng, 3) : 0); k > 0; k--) {
    const name = pick(rng, names);
    file = all[name]!(file, rng, others);
    applied.push(name);
  }
  return { file, applied };
}

/** Image sizes on and around the limits (a side of 10,000 is the 100-megapixel square). */
export const EDGE_SIDES = [1, 2, 7, 8, 255, 256, 1000, 4095, 9999, 10_000, 10_001, 30_000, 65_535];

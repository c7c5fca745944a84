import { unzipSync, zipSync } from 'fflate';
import {
  DTYPE_BYTES,
  entriesToWeights,
  Mulberry32,
  ResblocksError,
  readWeightsEntries,
  sizeOf,
} from '../src/index.js';
import { fixtureBytes } from './checkpoint-files.js';

/**
 * Seeded mutations of real torch.save files for the checkpoint fuzz test and
 * scripts/fuzz-checkpoint.ts. Every mutated file must either read consistently or be refused
 * with a ResblocksError of an expected code: never another exception, a hang, or a large
 * allocation.
 */

/** Codes a damaged file may be refused with (a mutation can make it look like safetensors). */
const EXPECTED_CODES = new Set([
  'CHECKPOINT_FORMAT',
  'CHECKPOINT_GLOBAL',
  'WEIGHTS_FORMAT',
  'SAFETENSORS_FORMAT',
  'WEIGHTS_DTYPE',
]);

const SEED_FILES = [
  'tiny-float32.pth',
  'tiny-float16.pth',
  'tiny-protocol4.pth',
  'tiny-dataparallel-wrapped.pth',
  'tiny-legacy.pth',
];

interface Seed {
  name: string;
  bytes: Uint8Array;
  /** zip seeds: the archive's records, to rebuild it with a changed data.pkl. */
  records?: Record<string, Uint8Array>;
}

type Mutation = (s: Seed, rng: Mulberry32) => Uint8Array;
const pick = <T>(rng: Mulberry32, xs: readonly T[]): T => xs[rng.next() % xs.length]!;

/** Opcodes worth inserting: every data opcode and the refused ones. */
const OPCODES = [
  0x28, 0x2e, 0x30, 0x31, 0x32, 0x46, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55,
  0x56, 0x58, 0x61, 0x62, 0x63, 0x64, 0x7d, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x5d, 0x6f, 0x70, 0x71, 0x72,
  0x73, 0x74, 0x29, 0x75, 0x47, 0x80, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x42, 0x43, 0x8c, 0x8d,
  0x8e, 0x8f, 0x90, 0x91, 0x93, 0x94, 0x95, 0x96,
];
const WEIRD_U32 = [0, 1, 2, 4, 8, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff];

function rezip(s: Seed, pkl: Uint8Array, rng: Mulberry32): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, bytes] of Object.entries(s.records!)) {
    files[name] = [name.endsWith('data.pkl') ? pkl : bytes, { level: rng.uniform() < 0.1 ? 6 : 0 }];
  }
  return zipSync(files);
}

function mutateBytes(bytes: Uint8Array, rng: Mulberry32): Uint8Array {
  const r = rng.uniform();
  if (r < 0.35) {
    const out = bytes.slice();
    for (let k = 1 + (rng.next() % 3); k > 0; k--) {
      const at = rng.next() % out.length;
      out[at] = out[at]! ^ (1 << (rng.next() % 8));
    }
    return out;
  }
  if (r < 0.55) {
    // an opcode or a byte inserted
    const at = rng.next() % (bytes.length + 1);
    const ins = rng.uniform() < 0.7 ? [pick(rng, OPCODES)] : [rng.next() & 0xff, rng.next() & 0xff];
    return Uint8Array.from([...bytes.subarray(0, at), ...ins, ...bytes.subarray(at)]);
  }
  if (r < 0.7) {
    // a range removed
    const at = rng.next() % bytes.length;
    const n = 1 + (rng.next() % 8);
    return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + n)]);
  }
  if (r < 0.85) {
    // a range repeated (memo keys, marks and tensors twice)
    const at = rng.next() % bytes.length;
    const n = 1 + (rng.next() % 40);
    const part = bytes.subarray(at, at + n);
    return Uint8Array.from([...bytes.subarray(0, at), ...part, ...part, ...bytes.subarray(at)]);
  }
  // a 32-bit field (a length, a memo index, an int) set to an edge value
  const out = bytes.slice();
  const at = rng.next() % Math.max(1, out.length - 4);
  new DataView(out.buffer).setUint32(at, pick(rng, WEIRD_U32), true);
  return out;
}

const MUTATIONS: Record<string, Mutation> = {
  flipBytes(s, rng) {
    const out = s.bytes.slice();
    for (let k = 1 + (rng.next() % 4); k > 0; k--) {
      const at = rng.next() % out.length;
      out[at] = rng.uniform() < 0.5 ? out[at]! ^ (1 << (rng.next() % 8)) : rng.next() & 0xff;
    }
    return out;
  },
  truncate(s, rng) {
    return s.bytes.slice(0, rng.next() % s.bytes.length);
  },
  insert(s, rng) {
    const extra = Uint8Array.from({ length: 1 + (rng.next() % 16) }, () => rng.next() & 0xff);
    const at = rng.next() % s.bytes.length;
    return Uint8Array.from([...s.bytes.subarray(0, at), ...extra, ...s.bytes.subarray(at)]);
  },
  zipFields(s, rng) {
    // a field of the central directory or its end record: sizes, offsets, counts
    const out = s.bytes.slice();
    const view = new DataView(out.buffer);
    const tail = Math.min(out.length, 600);
    const at = out.length - tail + (rng.next() % Math.max(1, tail - 4));
    if (rng.uniform() < 0.5) view.setUint32(at, pick(rng, WEIRD_U32), true);
    else view.setUint16(at, pick(rng, WEIRD_U32) & 0xffff, true);
    return out;
  },
  pickle(s, rng) {
    if (!s.records) {
      // legacy: the pickles come first, the storages after them
      const end = Math.min(s.bytes.length, 900);
      return Uint8Array.from([...mutateBytes(s.bytes.subarray(0, end), rng), ...s.bytes.subarray(end)]);
    }
    const name = Object.keys(s.records).find((n) => n.endsWith('data.pkl'))!;
    return rezip(s, mutateBytes(s.records[name]!, rng), rng);
  },
  storages(s, rng) {
    if (!s.records) return s.bytes.slice(0, s.bytes.length - 1 - (rng.next() % 8));
    const files: Record<string, [Uint8Array, { level: 0 }]> = {};
    const names = Object.keys(s.records).filter((n) => /\/data\/\d+$/.test(n));
    const victim = pick(rng, names);
    for (const [n, b] of Object.entries(s.records)) {
      if (n !== victim) files[n] = [b, { level: 0 }];
      else if (rng.uniform() < 0.3)
        continue; // record missing
      else
        files[n] = [
          rng.uniform() < 0.5 ? b.subarray(0, rng.next() % b.length) : Uint8Array.from([...b, 0]),
          { level: 0 },
        ];
    }
    return zipSync(files);
  },
};

export const MUTATION_KINDS = Object.keys(MUTATIONS);

export function loadSeeds(): Seed[] {
  return SEED_FILES.map((name) => {
    const bytes = fixtureBytes(name);
    return { name, bytes, ...(name.includes('legacy') ? {} : { records: unzipSync(bytes) }) };
  });
}

/** What a successful read promises: known dtypes, sizes that add up, float32 conversion works. */
function checkConsistent(file: Uint8Array): void {
  const { tensors } = readWeightsEntries(file);
  for (const [name, e] of tensors) {
    if (!(e.dtype in DTYPE_BYTES)) throw new Error(`'${name}' has dtype ${e.dtype}`);
    if (!e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new Error(`'${name}' shape ${e.shape}`);
    if (e.bytes.byteLength !== sizeOf(e.shape) * DTYPE_BYTES[e.dtype])
      throw new Error(`'${name}' holds ${e.bytes.byteLength} bytes for shape [${e.shape}] ${e.dtype}`);
  }
  entriesToWeights(tensors);
}

export interface FuzzTotals {
  seed: number;
  count: number;
  ms: number;
  accepted: number;
  rejected: number;
  /** Per mutation kind: files read, files refused, and the codes they were refused with. */
  kinds: Record<string, { ok: number; rejected: number; codes: Record<string, number> }>;
  /** Largest growth of ArrayBuffer memory seen over the run, in bytes. */
  maxArrayBufferGrowth: number;
}

/** Runs `count` seeded mutations; throws, naming the seed and the case, at the first broken promise. */
export function fuzzCheckpoints(seed: number, count: number): FuzzTotals {
  const rng = new Mulberry32(seed);
  const seeds = loadSeeds();
  const kinds: FuzzTotals['kinds'] = {};
  const base = process.memoryUsage().arrayBuffers;
  let maxGrowth = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const kind = MUTATION_KINDS[i % MUTATION_KINDS.length]!;
    const from = pick(rng, seeds);
    const file = MUTATIONS[kind]!(from, rng);
    kinds[kind] ??= { ok: 0, rejected: 0, codes: {} };
    const k = kinds[kind];
    try {
      checkConsistent(file);
      k.ok++;
    } catch (e) {
      if (!(e instanceof ResblocksError) || !EXPECTED_CODES.has(e.code)) {
        throw new Error(
          `checkpoint fuzz seed ${seed}, case ${i} (${kind} of ${from.name}): ${e instanceof ResblocksError ? e.code : 'untyped'} ${String(e)}`,
          { cause: e },
        );
      }
      k.rejected++;
      k.codes[e.code] = (k.codes[e.code] ?? 0) + 1;
    }
    if (i % 64 === 0) maxGrowth = Math.max(maxGrowth, process.memoryUsage().arrayBuffers - base);
  }
  const accepted = Object.values(kinds).reduce((s, k) => s + k.ok, 0);
  return {
    seed,
    count,
    ms: Math.round(performance.now() - t0),
    accepted,
    rejected: count - accepted,
    kinds,
    maxArrayBufferGrowth: maxGrowth,
  };
}

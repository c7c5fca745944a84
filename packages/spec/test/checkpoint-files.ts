import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';

/** The checkpoint fixtures written by scripts/checkpoints/generate.py with PyTorch. */
export const CHECKPOINT_DIR = new URL('../fixtures/checkpoints/', import.meta.url);

export interface CheckpointFixture {
  file: string;
  bytes: number;
  sha256: string;
  kind: 'checkpoint' | 'twin' | 'refused';
  /** checkpoint: the safetensors file holding PyTorch's float32 of the same tensors, under `prefix`. */
  twin?: string;
  prefix?: string;
  format?: 'zip' | 'legacy';
  network?: string;
  classes?: number;
  /** refused: the error code, and the global it names. */
  code?: string;
  glob?: string;
}

export function checkpointManifest(): { torch: string; files: CheckpointFixture[] } {
  return JSON.parse(readFileSync(new URL('manifest.json', CHECKPOINT_DIR), 'utf8'));
}

export function fixtureBytes(name: string): Uint8Array {
  const b = readFileSync(new URL(name, CHECKPOINT_DIR));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Pickle opcodes as byte lists, to write the small hand-made pickles of the tests. */
export const op = {
  proto: (v = 2) => [0x80, v],
  stop: [0x2e],
  mark: [0x28],
  none: [0x4e],
  newFalse: [0x89],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  emptyTuple: [0x29],
  tuple: [0x74],
  tuple1: [0x85],
  tuple2: [0x86],
  tuple3: [0x87],
  list: [0x6c],
  append: [0x61],
  setitem: [0x73],
  setitems: [0x75],
  reduce: [0x52],
  build: [0x62],
  binpersid: [0x51],
  newobj: [0x81],
  dup: [0x32],
  pop: [0x30],
  binput: (i: number) => [0x71, i],
  binget: (i: number) => [0x68, i],
  int: (v: number) => [0x4a, ...le32(v)],
  long1: (bytes: number[]) => [0x8a, bytes.length, ...bytes],
  str: (s: string) => {
    const b = [...new TextEncoder().encode(s)];
    return [0x58, ...le32(b.length), ...b];
  },
  global: (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)],
  stackGlobal: [0x93],
};

export function pickle(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

/** A tensor as torch.save writes it: _rebuild_tensor_v2((storage pid), offset, size, stride, False, OrderedDict()). */
export function tensorOps(
  key: string,
  numel: number,
  size: number[],
  stride: number[],
  offset = 0,
  storageType = 'FloatStorage',
): number[][] {
  return [
    op.global('torch._utils', '_rebuild_tensor_v2'),
    op.mark,
    op.mark,
    op.str('storage'),
    op.global('torch', storageType),
    op.str(key),
    op.str('cpu'),
    op.int(numel),
    op.tuple,
    op.binpersid,
    op.int(offset),
    op.mark,
    ...size.map(op.int),
    op.tuple,
    op.mark,
    ...stride.map(op.int),
    op.tuple,
    op.newFalse,
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
  ];
}

/** {name: tensor, ...} as a pickle of a plain dict. */
export function stateDictPickle(entries: [string, number[][]][]): Uint8Array {
  return pickle(
    op.proto(),
    op.emptyDict,
    ...entries.flatMap(([k, t]) => [op.str(k), ...t, op.setitem]),
    op.stop,
  );
}

/** A torch.save-style zip (entries stored) with data.pkl, data/<key> and optional extra records. */
export function torchZip(
  pkl: Uint8Array,
  storages: Record<string, Uint8Array> = {},
  extra: Record<string, Uint8Array> = {},
  prefix = 'archive',
): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  files[`${prefix}/data.pkl`] = [pkl, { level: 0 }];
  for (const [k, v] of Object.entries(storages)) files[`${prefix}/data/${k}`] = [v, { level: 0 }];
  for (const [k, v] of Object.entries(extra)) files[`${prefix}/${k}`] = [v, { level: 0 }];
  return zipSync(files);
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/**
 * Float32 tensors in torch.save's zip format, one storage each: stand-in .pth files of any model
 * for the command-line tests (the reader itself is checked against files PyTorch wrote).
 */
export function torchSave(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
): Uint8Array {
  const entries: [string, number[][]][] = [];
  const storages: Record<string, Uint8Array> = {};
  for (const [name, t] of tensors) {
    const key = String(entries.length);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    entries.push([name, tensorOps(key, t.data.length, [...t.shape], stride)]);
    storages[key] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
  return torchZip(stateDictPickle(entries), storages);
}

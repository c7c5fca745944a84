import { ResblocksError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/**
 * safetensors read/write (https://github.com/huggingface/safetensors, format section). Files are
 * untrusted: every length, offset and shape is checked before anything is allocated, and nothing
 * larger than the file itself is ever allocated. No maintained JavaScript reader validates
 * untrusted files this way, hence this small implementation.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/**
 * Largest JSON header read. The format allows 100 MB, but a ResNet's header is under 100 kB and
 * the largest published checkpoints' a few MB, while JSON.parse can take 15 times the text's size
 * in memory: 16 MiB keeps that under 256 MiB.
 */
export const MAX_HEADER_BYTES = 16 * 2 ** 20;

export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** A view into the file's bytes (not copied). */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('SAFETENSORS_FORMAT', `invalid safetensors file: ${message}`, details);
}

const [QUOTE, BACKSLASH, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY] = [
  0x22, 0x5c, 0x7b, 0x5b, 0x7d, 0x5d,
];

/**
 * Checks, before JSON.parse, that the header nests no deeper than the format does,
 * { name: { dtype, shape: [...], data_offsets: [...] }, __metadata__: { key: value } }: an object
 * at the top, at most three levels, nothing inside arrays. Deeply nested or array-of-object text
 * costs JSON.parse far more memory and time than its size.
 */
function checkHeaderNesting(header: Uint8Array): void {
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < header.length; i++) {
    const b = header[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if ((open.length === 0 && b !== OPEN_OBJECT) || open.length === 3 || open.at(-1) === OPEN_ARRAY)
        fail(`header nests JSON deeper than safetensors does (offset ${8 + i})`);
      open.push(b);
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) open.pop();
  }
}

export function parseSafetensors(file: Uint8Array): SafetensorsFile {
  if (!(file instanceof Uint8Array)) fail('expected bytes (Uint8Array)');
  if (file.byteLength < 8) fail(`file is ${file.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${headerLen64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > file.byteLength) {
    fail(`header length ${headerLen} runs past the end of the ${file.byteLength}-byte file`, { headerLen });
  }
  checkHeaderNesting(file.subarray(8, 8 + headerLen));
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not a JSON object');
  const data = file.subarray(8 + headerLen);
  const tensors = new Map<string, SafetensorsEntry>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        fail('__metadata__ must be an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (typeof raw !== 'object' || raw === null) fail(`entry '${name}' is not an object`, { key: name });
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      fail(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`, { key: name, dtype });
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`, { key: name });
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`, { key: name });
    }
    const [begin, end] = offsets as [number, number];
    if (end > data.byteLength) {
      fail(`tensor '${name}' data [${begin}, ${end}) lies outside the ${data.byteLength}-byte data section`, {
        key: name,
      });
    }
    let elements = 1;
    for (const d of shape as number[]) {
      elements *= d;
      if (elements > data.byteLength) break; // cannot fit anyway; avoids overflow
    }
    const expected = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (expected !== end - begin) {
      fail(
        `tensor '${name}' of shape [${(shape as number[]).join(', ')}] ${dtype} needs ${expected} bytes but its offsets span ${end - begin}`,
        { key: name },
      );
    }
    ranges.push({ name, begin, end });
    tensors.set(name, {
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      bytes: data.subarray(begin, end),
    });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.begin < prev.end)
      fail(`tensors '${prev.name}' and '${cur.name}' overlap`, { keys: [prev.name, cur.name] });
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Converts a float entry to float32 (F32 copied, F64/F16/BF16 converted). */
export function entryToFloat32(name: string, e: SafetensorsEntry): Tensor {
  const n = e.bytes.byteLength / DTYPE_BYTES[e.dtype];
  const out = new Float32Array(n);
  const v = new DataView(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength);
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, v.getUint16(i * 2, true) << 16);
        out[i] = tmp.getFloat32(0);
      }
      break;
    }
    default:
      throw new ResblocksError(
        'WEIGHTS_DTYPE',
        `tensor '${name}' has dtype ${e.dtype}; a float dtype is required`,
        {
          key: name,
          dtype: e.dtype,
        },
      );
  }
  return { shape: [...e.shape], data: out };
}

/** Reads a float64 entry exactly (fixtures store expected outputs in F64). */
export function entryToFloat64(name: string, e: SafetensorsEntry): Float64Array {
  if (e.dtype === 'F32') return Float64Array.from(entryToFloat32(name, e).data);
  if (e.dtype !== 'F64') {
    throw new ResblocksError('WEIGHTS_DTYPE', `tensor '${name}' has dtype ${e.dtype}; F64 or F32 expected`, {
      key: name,
    });
  }
  const n = e.bytes.byteLength / 8;
  const out = new Float64Array(n);
  const v = new DataView(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
  return out;
}

export interface WritableTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Uint8Array | Int32Array;
}

function dtypeOf(data: WritableTensor['data']): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

/** Serialises tensors (in the map's order) with an 8-byte aligned header. Little-endian hosts only (all JS engines in use). */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, WritableTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, t] of tensors) {
    entries.set(name, {
      dtype: dtypeOf(t.data),
      shape: t.shape,
      bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    });
  }
  return serializeEntries(entries, metadata);
}

/** Serialises entries of any dtype (their little-endian bytes, in the map's order) with an 8-byte aligned header. */
export function serializeEntries(
  entries: ReadonlyMap<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, e] of entries) {
    const bytes = e.bytes.byteLength;
    header[name] = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const e of entries.values()) {
    out.set(e.bytes, at);
    at += e.bytes.byteLength;
  }
  return out;
}

/** Float weights from tensor entries (converted to float32). Validate them with validateWeights. */
export function entriesToWeights(entries: ReadonlyMap<string, SafetensorsEntry>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, e] of entries) {
    // torchvision's BN counter is int64; keep its shape so validation can recognise and drop it.
    if (name.endsWith('.num_batches_tracked'))
      out.set(name, { shape: [...e.shape], data: new Float32Array(0) });
    else out.set(name, entryToFloat32(name, e));
  }
  return out;
}

/** Reads float weights from safetensors bytes (converted to float32). Validate them with validateWeights. */
export function readWeights(file: Uint8Array): Map<string, Tensor> {
  return entriesToWeights(parseSafetensors(file).tensors);
}

export function writeWeights(
  weights: ReadonlyMap<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  return serializeSafetensors(weights, metadata);
}

import { ResblocksError } from '../../errors.js';
import { DTYPE_BYTES, type SafetensorsEntry } from '../safetensors.js';
import { PyDict, type PyValue, typeName } from './pickle.js';
import { TensorRef } from './torch-globals.js';

/** Keys under which training scripts nest the weights: {'state_dict': ...}, {'model': ...}. */
export const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net'] as const;
/** Prefixes every key gets from DataParallel/DistributedDataParallel and torch.compile. */
const MODULE_PREFIXES = ['module.', '_orig_mod.'];

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('CHECKPOINT_FORMAT', `PyTorch checkpoint: ${message}`, details);
}

function keysOf(d: PyDict): string {
  const keys = [...d.map.keys()].map((k) => `'${String(k)}'`);
  return keys.length > 8 ? `${keys.slice(0, 8).join(', ')} and ${keys.length - 8} more` : keys.join(', ');
}

/**
 * The state_dict inside what torch.save wrote: the dict itself, or the dict under one of the
 * wrapper keys (a training checkpoint), with a prefix shared by every key removed.
 */
export function findStateDict(root: PyValue): Map<string, TensorRef> {
  let d = root;
  const path: string[] = [];
  for (let depth = 0; depth < 4 && d instanceof PyDict; depth++) {
    const inner = [...d.map.values()].some((v) => v instanceof TensorRef)
      ? undefined
      : WRAPPER_KEYS.find((k) => d instanceof PyDict && d.map.get(k) instanceof PyDict);
    if (inner === undefined) break;
    path.push(inner);
    d = d.map.get(inner)!;
  }
  const where = path.length ? `the dict under ${path.map((p) => `'${p}'`).join(' -> ')}` : 'the checkpoint';
  if (!(d instanceof PyDict))
    fail(`${where} holds a ${typeName(d)}, not a state_dict (a dict of tensors)`, { type: typeName(d) });
  const out = new Map<string, TensorRef>();
  for (const [k, v] of d.map) {
    if (typeof k !== 'string') fail(`${where} has a ${typeName(k)} key; state_dict keys are strings`);
    if (!(v instanceof TensorRef)) {
      const hint = out.size === 0 && path.length === 0 ? ` (keys: ${keysOf(d)})` : '';
      fail(`entry '${k}' of ${where} is a ${typeName(v)}, not a tensor${hint}`, { key: k });
    }
    out.set(k, v);
  }
  if (out.size === 0) fail(`${where} holds no tensors`);
  return stripPrefixes(out);
}

function stripPrefixes(tensors: Map<string, TensorRef>): Map<string, TensorRef> {
  let out = tensors;
  for (let again = true; again; ) {
    again = false;
    for (const p of MODULE_PREFIXES) {
      if ([...out.keys()].every((k) => k.startsWith(p) && k.length > p.length)) {
        out = new Map([...out].map(([k, v]) => [k.slice(p.length), v]));
        again = true;
      }
    }
  }
  return out;
}

/**
 * Copies (or views, when contiguous and little-endian) each tensor into a dense little-endian
 * entry. `budget` bounds the bytes of all tensors together, so views shared by many tensors
 * cannot multiply the memory a small file takes.
 */
export function materialize(
  tensors: ReadonlyMap<string, TensorRef>,
  byteorder: 'little' | 'big',
  budget: number,
): Map<string, SafetensorsEntry> {
  let total = 0;
  for (const [name, t] of tensors) {
    total += t.numel * DTYPE_BYTES[t.storage.dtype];
    if (total > budget) {
      fail(`its tensors add up to more than ${budget} bytes, more than the file can hold (at '${name}')`, {
        key: name,
      });
    }
  }
  const out = new Map<string, SafetensorsEntry>();
  for (const [name, t] of tensors)
    out.set(name, { dtype: t.storage.dtype, shape: t.shape, bytes: dense(t, byteorder) });
  return out;
}

function isContiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expected) return false;
    expected *= t.shape[i]!;
  }
  return true;
}

function dense(t: TensorRef, byteorder: 'little' | 'big'): Uint8Array {
  const item = DTYPE_BYTES[t.storage.dtype];
  const src = t.storage.bytes!;
  if (t.numel === 0) return new Uint8Array(0);
  if (byteorder === 'little' && isContiguous(t))
    return src.subarray(t.offset * item, (t.offset + t.numel) * item);
  const out = new Uint8Array(t.numel * item);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (let n = 0; n < t.numel; n++) {
    for (let b = 0; b < item; b++)
      out[n * item + b] = src[at * item + (byteorder === 'big' ? item - 1 - b : b)]!;
    // Advance the multi-index, last dimension fastest.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      at += t.stride[d]!;
      if (index[d]! < t.shape[d]!) break;
      at -= t.stride[d]! * t.shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

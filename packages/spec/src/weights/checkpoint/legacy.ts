import { ResblocksError } from '../../errors.js';
import { DTYPE_BYTES } from '../safetensors.js';
import { PyDict, type PyGlobal, type PyValue, typeName, unpickle } from './pickle.js';
import { resolveTorchGlobal, StorageRef, storageOf } from './torch-globals.js';

/**
 * The format torch.save wrote before PyTorch 1.6 (and still does with
 * `_use_new_zipfile_serialization=False`): five pickles in a row (magic number, protocol
 * version, system info, the object with storages as persistent ids, the sorted storage keys),
 * then each storage as an int64 element count and its little-endian elements.
 */

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('CHECKPOINT_FORMAT', `invalid legacy PyTorch checkpoint: ${message}`, details);
}

function noGlobals(module: string, name: string): PyGlobal {
  throw new ResblocksError(
    'CHECKPOINT_GLOBAL',
    `legacy PyTorch checkpoint header refers to the Python global '${module}.${name}'; it was refused and nothing in the file was run`,
    { global: `${module}.${name}` },
  );
}

/** Whether the bytes start with the legacy magic-number pickle. */
export function isLegacyCheckpoint(file: Uint8Array): boolean {
  const head = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return file.length >= head.length && head.every((b, i) => file[i] === b);
}

export function readLegacyCheckpoint(file: Uint8Array): { root: PyValue } {
  const header = { resolveGlobal: noGlobals, what: 'legacy PyTorch checkpoint header' };
  const magic = unpickle(file, header);
  if (magic.value !== MAGIC) fail('it does not start with the magic number');
  const version = unpickle(file, header, magic.end);
  if (version.value !== PROTOCOL_VERSION)
    fail(`protocol version ${String(version.value)}, expected ${PROTOCOL_VERSION}`);
  const info = unpickle(file, header, version.end);
  const littleEndian = info.value instanceof PyDict ? info.value.map.get('little_endian') : undefined;
  if (littleEndian !== true) fail('only little-endian legacy checkpoints are supported');

  const storages = new Map<string, StorageRef>();
  const main = unpickle(
    file,
    {
      resolveGlobal: resolveTorchGlobal,
      what: 'legacy PyTorch checkpoint',
      persistentLoad(pid) {
        const s = storageOf(pid);
        if (s.view !== null) fail('storage views (PyTorch before 0.4) are not supported');
        const known = storages.get(s.key);
        if (known) {
          if (known.dtype !== s.dtype || known.numel !== s.numel) fail(`storage ${s.key} is described twice`);
          return known;
        }
        const ref = new StorageRef(s.key, s.dtype, s.numel);
        storages.set(s.key, ref);
        return ref;
      },
    },
    info.end,
  );
  const keys = unpickle(file, header, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string'))
    fail(`storage key list is a ${typeName(keys.value)}`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const ref = storages.get(key);
    if (!ref) fail(`storage ${key} is listed but no tensor uses it`);
    if (ref.bytes) fail(`storage ${key} is listed twice`);
    if (at + 8 > file.length) fail(`the file ends before storage ${key}`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(ref.numel))
      fail(`storage ${key} holds ${count} elements, its tensors say ${ref.numel}`, { storage: key });
    const bytes = ref.numel * DTYPE_BYTES[ref.dtype];
    if (at + 8 + bytes > file.length) fail(`the file ends inside storage ${key} (truncated file)`);
    ref.bytes = file.subarray(at + 8, at + 8 + bytes);
    at += 8 + bytes;
  }
  for (const ref of storages.values()) if (!ref.bytes) fail(`storage ${ref.key} is missing from the file`);
  return { root: main.value };
}

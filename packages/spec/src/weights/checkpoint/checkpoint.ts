import { ResblocksError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { DTYPE_BYTES, entriesToWeights, type SafetensorsEntry } from '../safetensors.js';
import { isLegacyCheckpoint, readLegacyCheckpoint } from './legacy.js';
import { type PyValue, unpickle } from './pickle.js';
import { findStateDict, materialize } from './state-dict.js';
import { resolveTorchGlobal, StorageRef, storageOf } from './torch-globals.js';
import { readTorchArchive } from './zip.js';

/**
 * PyTorch checkpoints (`torch.save` of a state_dict) read without Python and without running
 * anything from the file: the zip format of PyTorch 1.6 and later, and the legacy format before
 * it. The pickle inside is read by a restricted unpickler that only knows dicts, tensors and the
 * storage types (see torch-globals.ts); any other Python global is refused with CHECKPOINT_GLOBAL.
 */

export type CheckpointFormat = 'zip' | 'legacy';

export interface Checkpoint {
  readonly format: CheckpointFormat;
  /** The state_dict's tensors, unwrapped and without a DataParallel prefix, as dense little-endian entries. */
  readonly tensors: Map<string, SafetensorsEntry>;
}

/** Tensors may add up to at most this multiple of the file size (views shared by several tensors). */
const MAX_EXPANSION = 2;

export function isZipFile(file: Uint8Array): boolean {
  return file.length >= 4 && file[0] === 0x50 && file[1] === 0x4b && (file[2] === 3 || file[2] === 5);
}

function readZipCheckpoint(file: Uint8Array): { root: PyValue; byteorder: 'little' | 'big' } {
  const archive = readTorchArchive(file);
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(archive.pickle, {
    resolveGlobal: resolveTorchGlobal,
    what: `PyTorch checkpoint ${archive.prefix}/data.pkl`,
    persistentLoad(pid) {
      const s = storageOf(pid);
      const known = storages.get(s.key);
      if (known) {
        if (known.dtype !== s.dtype || known.numel !== s.numel)
          throw new ResblocksError(
            'CHECKPOINT_FORMAT',
            `invalid PyTorch checkpoint: storage ${s.key} is described as ${known.numel} ${known.dtype} and as ${s.numel} ${s.dtype}`,
            { storage: s.key },
          );
        return known;
      }
      const bytes = archive.storages.get(s.key);
      const size = s.numel * DTYPE_BYTES[s.dtype];
      if (!bytes || bytes.byteLength !== size) {
        throw new ResblocksError(
          'CHECKPOINT_FORMAT',
          `invalid PyTorch checkpoint: storage ${s.key} should hold ${size} bytes (${s.numel} ${s.dtype}) but ${archive.prefix}/data/${s.key} ${bytes ? `holds ${bytes.byteLength}` : 'is missing'}`,
          { storage: s.key },
        );
      }
      const ref = new StorageRef(s.key, s.dtype, s.numel);
      ref.bytes = bytes;
      storages.set(s.key, ref);
      return ref;
    },
  });
  return { root: value, byteorder: archive.byteorder };
}

/** Reads a checkpoint's state_dict (zip or legacy format, detected from the bytes). */
export function parseCheckpoint(file: Uint8Array): Checkpoint {
  if (!(file instanceof Uint8Array))
    throw new ResblocksError('CHECKPOINT_FORMAT', 'PyTorch checkpoint: expected bytes (Uint8Array)');
  let format: CheckpointFormat;
  let read: { root: PyValue; byteorder?: 'little' | 'big' };
  if (isZipFile(file)) {
    format = 'zip';
    read = readZipCheckpoint(file);
  } else if (isLegacyCheckpoint(file)) {
    format = 'legacy';
    read = readLegacyCheckpoint(file);
  } else {
    throw new ResblocksError(
      'CHECKPOINT_FORMAT',
      'not a PyTorch checkpoint: it is neither a torch.save zip archive nor the legacy pickle format',
    );
  }
  const tensors = materialize(
    findStateDict(read.root),
    read.byteorder ?? 'little',
    MAX_EXPANSION * file.byteLength,
  );
  return { format, tensors };
}

/** Float weights from a checkpoint, converted to float32 (as readWeights does for safetensors). */
export function readCheckpoint(file: Uint8Array): Map<string, Tensor> {
  return entriesToWeights(parseCheckpoint(file).tensors);
}

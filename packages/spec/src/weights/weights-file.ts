import { ResblocksError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { isZipFile, parseCheckpoint } from './checkpoint/checkpoint.js';
import { isLegacyCheckpoint } from './checkpoint/legacy.js';
import { entriesToWeights, parseSafetensors, type SafetensorsEntry } from './safetensors.js';

/** The weight file formats read, told apart by their first bytes (never by the file name). */
export type WeightsFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy';

export const WEIGHTS_FORMAT_NAMES: Readonly<Record<WeightsFormat, string>> = {
  safetensors: 'safetensors',
  'pytorch-zip': 'PyTorch checkpoint',
  'pytorch-legacy': 'legacy PyTorch checkpoint',
};

function startsWith(file: Uint8Array, text: string, at = 0): boolean {
  if (file.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (file[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Names the format of a weights file from its bytes; anything else is a WEIGHTS_FORMAT error. */
export function detectWeightsFormat(file: Uint8Array): WeightsFormat {
  if (!(file instanceof Uint8Array))
    throw new ResblocksError('WEIGHTS_FORMAT', 'expected bytes (Uint8Array)');
  if (isZipFile(file)) return 'pytorch-zip';
  if (isLegacyCheckpoint(file)) return 'pytorch-legacy';
  // safetensors: a little-endian u64 header length, then a JSON object.
  if (file.length >= 9 && file[8] === 0x7b) return 'safetensors';
  let what = 'its first bytes match none of them';
  if (file.length === 0) what = 'the file is empty';
  else if (file.length < 9) what = `it is only ${file.length} bytes long`;
  else if (startsWith(file, 'ustar', 257))
    what =
      'it is a tar archive, the format of PyTorch before 0.4: load and re-save it with a current PyTorch';
  else if (file[0] === 0x80 && file[1]! >= 2 && file[1]! <= 5)
    what = 'it is a Python pickle without the PyTorch header, not a torch.save checkpoint';
  else if (startsWith(file, '\x93NUMPY')) what = 'it is a .npy array';
  throw new ResblocksError(
    'WEIGHTS_FORMAT',
    `not a weights file: weights are read from safetensors or PyTorch checkpoints (torch.save), and ${what}`,
    { length: file.length },
  );
}

/** The raw tensors of a weights file in any supported format (float and integer entries). */
export function readWeightsEntries(file: Uint8Array): {
  format: WeightsFormat;
  tensors: Map<string, SafetensorsEntry>;
} {
  const format = detectWeightsFormat(file);
  const tensors = format === 'safetensors' ? parseSafetensors(file).tensors : parseCheckpoint(file).tensors;
  return { format, tensors };
}

/**
 * Reads float weights from a safetensors file or a PyTorch checkpoint, whichever the bytes are,
 * converted to float32. Validate them with validateWeights.
 */
export function readWeightsFile(file: Uint8Array): Map<string, Tensor> {
  return entriesToWeights(readWeightsEntries(file).tensors);
}

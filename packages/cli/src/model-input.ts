import { formatShape, ResblocksError, type Tensor } from '@resblocks/spec';
import { CliError } from './cli-error.js';
import { MAX_FILE_BYTES, readInputFile } from './files.js';
import { decodeImage, isImageFile, preprocessImageNet } from './image.js';
import type { Io } from './io.js';
import { parseNpy } from './npy.js';

/**
 * A model input from a file, told apart by content: a float32 (or float64) .npy [N, C, H, W], or a
 * PNG/JPEG preprocessed as torchvision does for ImageNet. Errors name the file.
 */
export async function readModelInput(
  path: string,
  inChannels: number,
  io: Io,
): Promise<{ tensor: Tensor; image: boolean }> {
  const bytes = await readInputFile(path, 'input file', MAX_FILE_BYTES.input);
  if (isImageFile(bytes)) {
    if (inChannels !== 3)
      throw new CliError(
        `the model takes ${inChannels} input channels, not an RGB image`,
        'Pass a .npy input',
      );
    return { tensor: preprocessImageNet(await decodeImage(bytes, path)), image: true };
  }
  let arr: ReturnType<typeof parseNpy>;
  try {
    arr = parseNpy(bytes);
  } catch (e) {
    if (e instanceof ResblocksError)
      throw new ResblocksError(e.code, `input file '${path}': ${e.message}`, { ...e.details }, { cause: e });
    throw e;
  }
  if (arr.shape.length !== 4) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `input file '${path}' holds an array of shape ${formatShape(arr.shape)} (rank ${arr.shape.length}); expected rank 4 [N, ${inChannels}, H, W]`,
      { shape: arr.shape },
    );
  }
  if (arr.shape[1] !== inChannels) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `input file '${path}' has shape ${formatShape(arr.shape)} with ${arr.shape[1]} channels; the model expects [N, ${inChannels}, H, W]`,
      { shape: arr.shape },
    );
  }
  if (arr.convertedFrom) io.err(`input '${path}' is ${arr.convertedFrom}; converted to float32`);
  return { tensor: { shape: arr.shape, data: arr.data }, image: false };
}

import { ImageError } from './errors.js';
import { type ImageHeader, readImageHeader } from './header.js';
import type { Image8 } from './image.js';
import { decodeJpeg } from './jpeg.js';
import { checkImageLimits, IMAGE_LIMITS, type ImageLimits } from './limits.js';
import { decodePng } from './png.js';

export interface DecodeOptions {
  /** Names the file in error messages and details (a path, a URL). */
  readonly name?: string;
  readonly limits?: ImageLimits;
}

/** The header, with the file's name added to the message of a header that cannot be read. */
export function readHeaderOf(bytes: Uint8Array, name?: string): ImageHeader {
  try {
    return readImageHeader(bytes);
  } catch (e) {
    if (e instanceof ImageError && name)
      throw new ImageError(e.code, `image '${name}': ${e.message}`, { name, ...e.details }, { cause: e });
    throw e;
  }
}

/**
 * Decodes a PNG or JPEG (told apart by content, not by name) into RGB, as
 * `PIL.Image.open(f).convert('RGB')` with PIL 9.4 and libjpeg-turbo. The headers are read and
 * the limits checked before any pixel is decoded; every rejection is an ImageError.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<Image8> {
  const { name, limits = IMAGE_LIMITS } = options;
  const header = readHeaderOf(bytes, name);
  checkImageLimits(header, name, limits);
  return header.kind === 'png' ? decodePng(bytes, header, name) : decodeJpeg(bytes, header, name);
}

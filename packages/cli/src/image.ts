import {
  decodeImage as decode,
  IMAGE_LIMITS,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type Image8,
  imageKind,
  isImageError,
  preprocess,
} from '@resblocks/image';
import { ResblocksError, type Tensor } from '@resblocks/spec';

export { IMAGE_LIMITS, IMAGENET_MEAN, IMAGENET_STD, type Image8, imageKind as isImageFile };

/** The package's typed errors as the CLI's (the codes are the same), the path in the details. */
function asResblocksError(e: unknown, path: string): unknown {
  if (!isImageError(e)) return e;
  return new ResblocksError(e.code, e.message, { path, ...e.details }, { cause: e });
}

/**
 * Decodes a PNG or JPEG (detected by content, not by extension) as PIL's
 * `Image.open(path).convert('RGB')`, after checking @resblocks/image's limits from the headers.
 */
export async function decodeImage(bytes: Uint8Array, path: string): Promise<Image8> {
  try {
    return await decode(bytes, { name: path });
  } catch (e) {
    throw asResblocksError(e, path);
  }
}

/**
 * torchvision's ImageNet evaluation transform (Resize(resize), CenterCrop(crop), ToTensor,
 * Normalize with the ImageNet mean and std), bit for bit: an NCHW float32 tensor [1, 3, crop, crop].
 */
export function preprocessImageNet(img: Image8, resize = 256, crop = 224): Tensor {
  try {
    return preprocess(img, { resize, crop }) as Tensor;
  } catch (e) {
    throw asResblocksError(e, 'input');
  }
}

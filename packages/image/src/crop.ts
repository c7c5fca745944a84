import { ImageError } from './errors.js';
import { checkImage, type Image8 } from './image.js';

/** Python's round(): halves go to the even neighbour (torchvision rounds crop offsets with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Where torchvision's `center_crop` takes a crop of cropH x cropW from an image of height x width:
 * the source position of the crop's top-left pixel, negative where the image is first padded with
 * zeros (a crop larger than the image), then offsets rounded with Python's round().
 */
export function centerCropOffsets(
  height: number,
  width: number,
  cropH: number,
  cropW: number,
): { top: number; left: number } {
  let [h, w, padTop, padLeft] = [height, width, 0, 0];
  if (cropW > width || cropH > height) {
    padLeft = cropW > width ? Math.floor((cropW - width) / 2) : 0;
    padTop = cropH > height ? Math.floor((cropH - height) / 2) : 0;
    w += padLeft + (cropW > width ? Math.floor((cropW - width + 1) / 2) : 0);
    h += padTop + (cropH > height ? Math.floor((cropH - height + 1) / 2) : 0);
    if (w === cropW && h === cropH) return { top: -padTop, left: -padLeft };
  }
  return { top: roundHalfEven((h - cropH) / 2) - padTop, left: roundHalfEven((w - cropW) / 2) - padLeft };
}

/** An int (square) or [height, width], as torchvision's `output_size`. */
export type CropSize = number | readonly [number] | readonly [number, number];

export function cropSize(size: CropSize): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v! > 0))
    throw new ImageError(
      'INPUT_SHAPE',
      `crop size must be a positive integer or [h, w] of them, not ${JSON.stringify(size)}`,
      {
        size,
      },
    );
  return [s[0]!, s[1]!];
}

/** A region of the image; pixels outside it are zero (PIL's crop past the edges). */
export function crop(img: Image8, top: number, left: number, height: number, width: number): Image8 {
  checkImage(img);
  const c = img.channels;
  const data = new Uint8Array(height * width * c);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(width, img.width - left);
  for (let y = Math.max(0, -top); y < Math.min(height, img.height - top); y++) {
    if (x1 <= x0) break;
    const from = ((y + top) * img.width + left + x0) * c;
    data.set(img.data.subarray(from, from + (x1 - x0) * c), (y * width + x0) * c);
  }
  return { width, height, channels: c, data };
}

/** torchvision's `F.center_crop`: zero padding when the crop is larger, Python-rounded offsets. */
export function centerCrop(img: Image8, size: CropSize): Image8 {
  checkImage(img);
  const [h, w] = cropSize(size);
  const { top, left } = centerCropOffsets(img.height, img.width, h, w);
  return crop(img, top, left, h, w);
}

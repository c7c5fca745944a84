import { type CropSize, centerCropOffsets, crop, cropSize } from './crop.js';
import type { Image8, ImageTensor } from './image.js';
import type { Interpolation } from './resample.js';
import { resize, resizedSize, type Size } from './resize.js';
import { batch, normalize, toTensor } from './tensor.js';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface PresetOptions {
  /** Resize's size; default 256 (the shorter side). */
  readonly resize?: Size;
  /** CenterCrop's size; default 224. */
  readonly crop?: CropSize;
  readonly interpolation?: Interpolation;
  readonly maxSize?: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/**
 * Resize, CenterCrop, ToTensor and Normalize, as torchvision composes them, returning an NCHW
 * float32 tensor [1, C, crop, crop]. Only the pixels the crop keeps are resized, so memory stays
 * small whatever the picture's size or aspect ratio; the values are those of the four steps run
 * one after another.
 */
export function preprocess(img: Image8, options: PresetOptions = {}): ImageTensor {
  const size = options.resize ?? 256;
  const [ch, cw] = cropSize(options.crop ?? 224);
  const [h, w] = resizedSize(img.height, img.width, size, options.maxSize);
  const { top, left } = centerCropOffsets(h, w, ch, cw);
  // The part of the resized image inside the crop; the rest of the crop is zero padding.
  const y0 = Math.max(0, top);
  const x0 = Math.max(0, left);
  const window = {
    top: y0,
    left: x0,
    height: Math.min(h, top + ch) - y0,
    width: Math.min(w, left + cw) - x0,
  };
  const inside = resize(img, size, options, window);
  const cropped = crop(inside, top - y0, left - x0, ch, cw);
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  return batch(normalize(toTensor(cropped), mean, std));
}

/** torchvision's ImageNet evaluation transform: Resize(256), CenterCrop(224), ToTensor, Normalize. */
export function imagenet(img: Image8): ImageTensor {
  return preprocess(img);
}

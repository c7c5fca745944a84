import { ImageError } from './errors.js';
import { fromRgba, type Image8 } from './image.js';

/** What a page can hand over: pixels the browser has already decoded (and colour-managed). */
export type BrowserImageSource =
  | ImageData
  | ImageBitmap
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLImageElement
  | HTMLVideoElement
  | VideoFrame;

/** ImageData's RGBA as RGB (alpha dropped, as PIL's `convert('RGB')`). */
export function fromImageData(image: ImageData): Image8 {
  return fromRgba(image.data, image.width, image.height);
}

function sizeOf(source: Exclude<BrowserImageSource, ImageData>): [number, number] {
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement)
    return [source.naturalWidth, source.naturalHeight];
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement)
    return [source.videoWidth, source.videoHeight];
  if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame)
    return [source.displayWidth, source.displayHeight];
  const s = source as ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
  return [s.width, s.height];
}

/**
 * The pixels of any drawable browser image, at its natural size: drawn onto a canvas and read
 * back as RGBA, then made RGB. These are the browser's pixels, decoded and colour-managed by the
 * browser; for PIL's own values pass the file's bytes to decodeImage instead.
 */
export function fromBrowserImage(source: BrowserImageSource): Image8 {
  if (typeof ImageData !== 'undefined' && source instanceof ImageData) return fromImageData(source);
  const [width, height] = sizeOf(source as Exclude<BrowserImageSource, ImageData>);
  if (!(width > 0 && height > 0))
    throw new ImageError(
      'INPUT_SHAPE',
      `the image has no pixels yet (${width}x${height}); wait until it has loaded`,
      {
        width,
        height,
      },
    );
  if (typeof OffscreenCanvas === 'undefined')
    throw new ImageError('INPUT_SHAPE', 'reading browser images needs OffscreenCanvas', {});
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageError('INPUT_SHAPE', 'no 2d canvas context', {});
  ctx.drawImage(source as CanvasImageSource, 0, 0);
  return fromImageData(ctx.getImageData(0, 0, width, height));
}

/**
 * The errors this package raises on purpose. The codes are the ones the rest of resblocks uses for
 * the same problems, so a caller can map them one to one.
 */
export type ImageErrorCode =
  /** Not a PNG or JPEG, corrupt, truncated, or a kind of file this package refuses. */
  | 'IMAGE_FORMAT'
  /** The header declares more pixels or decoder memory than the limits allow. */
  | 'INPUT_TOO_LARGE'
  /** An argument (size, pixel buffer, tensor) does not fit. */
  | 'INPUT_SHAPE';

export class ImageError extends Error {
  override readonly name = 'ImageError';

  /** `details`: structured facts (kind of file, declared and allowed sizes). */
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isImageError(e: unknown, code?: ImageErrorCode): e is ImageError {
  return e instanceof ImageError && (code === undefined || e.code === code);
}

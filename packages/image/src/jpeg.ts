import { ImageError } from './errors.js';
import type { ImageHeader } from './header.js';
import type { Image8 } from './image.js';
import { acquireTurboJpeg, JpegAbort, releaseTurboJpeg } from './jpeg-wasm.js';

const TJPF_RGB = 0;
/** No TJFLAG_FASTDCT or TJFLAG_FASTUPSAMPLE: the accurate integer IDCT and fancy upsampling, PIL's defaults. */
const FLAGS = 0;

function fail(name: string | undefined, message: string, details: Record<string, unknown> = {}): never {
  throw new ImageError(
    'IMAGE_FORMAT',
    `cannot decode JPEG ${name ? `image '${name}'` : 'image'}: ${message}`,
    { kind: 'jpeg', ...(name ? { name } : {}), ...details },
  );
}

/**
 * Refuses what PIL would not give the same pixels for: CMYK and other component counts (PIL's
 * CMYK conversion is not libjpeg's), a file cut off before its end marker (PIL stops with "image
 * file is truncated"), and a progressive file whose scans leave coefficients unfinished (libjpeg-
 * turbo then smooths blocks, and the smoothing changed between its versions).
 */
export function checkJpegSupported(h: ImageHeader, name?: string): void {
  if (h.components !== 1 && h.components !== 3)
    fail(
      name,
      `${h.components === 4 ? 'CMYK/YCCK' : `${h.components}-component`} JPEGs are not supported (gray or colour only)`,
      { components: h.components },
    );
  if (!h.ended) fail(name, 'the file ends before its end-of-image marker (truncated)');
  if (!h.complete)
    fail(
      name,
      'a progressive JPEG whose scans leave coefficients uncoded (an incomplete image) is not supported',
    );
}

/** Decodes a JPEG whose header was read (and limits checked) into RGB with libjpeg-turbo. */
export async function decodeJpeg(bytes: Uint8Array, h: ImageHeader, name?: string): Promise<Image8> {
  checkJpegSupported(h, name);
  const tj = await acquireTurboJpeg();
  let healthy = true;
  let src = 0;
  let meta = 0;
  let handle = 0;
  let dst = 0;
  try {
    src = tj.malloc(bytes.length);
    meta = tj.malloc(16);
    handle = tj.tjInitDecompress();
    if (!src || !meta || !handle) fail(name, 'the decoder could not allocate memory');
    new Uint8Array(tj.memory.buffer, src, bytes.length).set(bytes);
    if (tj.tjDecompressHeader3(handle, src, bytes.length, meta, meta + 4, meta + 8, meta + 12) !== 0)
      fail(name, 'libjpeg-turbo cannot read its header');
    const [width, height] = new Int32Array(tj.memory.buffer, meta, 2);
    if (width !== h.width || height !== h.height)
      fail(name, `libjpeg-turbo reads ${width}x${height} pixels for a ${h.width}x${h.height} header`);
    const size = 3 * h.width * h.height;
    dst = tj.malloc(size);
    if (!dst) fail(name, `the decoder could not allocate ${size} bytes`);
    // -1 without a longjmp means warnings only (corrupt entropy data, extra bytes): libjpeg-turbo
    // still wrote every row, and PIL accepts such files too.
    tj.tjDecompress2(handle, src, bytes.length, dst, h.width, 3 * h.width, h.height, TJPF_RGB, FLAGS);
    const data = new Uint8Array(tj.memory.buffer, dst, size).slice();
    return { width: h.width, height: h.height, channels: 3, data };
  } catch (e) {
    healthy = false;
    if (e instanceof JpegAbort) fail(name, 'libjpeg-turbo rejects the file as corrupt or unsupported');
    if (e instanceof WebAssembly.RuntimeError) fail(name, `the decoder failed (${e.message})`);
    throw e;
  } finally {
    if (healthy) {
      if (handle) tj.tjDestroy(handle);
      for (const p of [src, meta, dst]) if (p) tj.free(p);
    }
    releaseTurboJpeg(tj, healthy);
  }
}

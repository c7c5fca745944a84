import { ResblocksError } from '../errors.js';

/**
 * The IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "file formats"):
 * two zero bytes, a type byte (0x08: unsigned byte), the number of dimensions, each dimension as a
 * big-endian uint32, then the data. Only uint8 data is accepted. The data is a view, not a copy;
 * the header is checked against the file's length before anything is used.
 */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  const fail = (message: string, details: Record<string, unknown> = {}): never => {
    throw new ResblocksError('FIXTURE_INTEGRITY', `${name}: ${message}`, { file: name, ...details });
  };
  if (bytes.byteLength < 4) fail(`${bytes.byteLength} bytes, shorter than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) fail('not an IDX file (the magic number does not start with two zero bytes)');
  const type = view.getUint8(2);
  if (type !== 0x08) fail(`element type 0x${type.toString(16)} is not unsigned byte (0x08)`, { type });
  const rank = view.getUint8(3);
  if (rank < 1 || rank > 4) fail(`${rank} dimensions; 1 to 4 expected`, { rank });
  const start = 4 + 4 * rank;
  if (bytes.byteLength < start) fail(`the header needs ${start} bytes, the file has ${bytes.byteLength}`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== bytes.byteLength - start) {
    fail(
      `dimensions ${dims.join('x')} need ${size} bytes of data, the file has ${bytes.byteLength - start}`,
      {
        dims,
      },
    );
  }
  return { dims, data: bytes.subarray(start) };
}

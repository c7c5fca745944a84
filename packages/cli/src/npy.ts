import { ResblocksError } from '@resblocks/spec';

/**
 * NumPy .npy read/write (format versions 1.0, 2.0 and 3.0, float32 little-endian, C order; float64,
 * numpy's default dtype, is read and converted to float32).
 *
 * Written here rather than taken from npm: the maintained readers (npyjs and friends) parse the
 * header loosely (regex or eval-like substitutions), trust its shape without checking it against
 * the data length, and accept any dtype. Input files are untrusted, so this reader parses the
 * header dictionary with a strict grammar, bounds the header size, rejects anything other than
 * float32 or float64 with a message naming the dtype, and requires the data length to match the shape
 * exactly before allocating anything.
 */

export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
  /** Set when the file held another dtype that was converted to float32 (numpy's default float64). */
  readonly convertedFrom?: 'float64';
}

/** Bytes per element of the dtypes read. */
const ITEM_BYTES: Record<string, 4 | 8> = { '<f4': 4, '=f4': 4, '<f8': 8, '=f8': 8 };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy refuses headers over 10 000 bytes by default; allow some headroom but never megabytes. */
export const MAX_NPY_HEADER_BYTES = 65_536;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('NPY_FORMAT', `invalid .npy file: ${message}`, details);
}

type PyValue = string | boolean | number[] | PyDict;
interface PyDict {
  [key: string]: PyValue;
}

/** A strict parser for the Python dict literal numpy writes: strings, True/False, int tuples. */
class HeaderParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): PyDict {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) fail(`unexpected text after the header dictionary at offset ${this.i}`);
    if (typeof v !== 'object' || Array.isArray(v)) fail('header is not a dictionary');
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '(') return this.tuple();
    if (c === "'" || c === '"') return this.string();
    if (this.s.startsWith('True', this.i)) {
      this.i += 4;
      return true;
    }
    if (this.s.startsWith('False', this.i)) {
      this.i += 5;
      return false;
    }
    fail(
      `unexpected ${c === undefined ? 'end of header' : `character '${c}'`} in the header at offset ${this.i}`,
    );
  }

  private expect(ch: string): void {
    this.ws();
    if (this.s[this.i] !== ch) fail(`expected '${ch}' in the header at offset ${this.i}`);
    this.i++;
  }

  private string(): string {
    const q = this.s[this.i++]!;
    const end = this.s.indexOf(q, this.i);
    if (end < 0) fail('unterminated string in the header');
    const out = this.s.slice(this.i, end);
    if (out.includes('\\')) fail('escape sequences are not allowed in the header');
    this.i = end + 1;
    return out;
  }

  private dict(): PyDict {
    this.expect('{');
    const out: PyDict = Object.create(null);
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      this.ws();
      const q = this.s[this.i];
      if (q !== "'" && q !== '"') fail(`expected a string key in the header at offset ${this.i}`);
      const key = this.string();
      if (key in out) fail(`duplicate key '${key}' in the header`);
      this.expect(':');
      out[key] = this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') fail(`expected ',' or '}' in the header at offset ${this.i}`);
    }
  }

  private tuple(): number[] {
    this.expect('(');
    const out: number[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ')') {
        this.i++;
        return out;
      }
      const m = /^[0-9]+L?/.exec(this.s.slice(this.i, this.i + 24));
      if (!m) fail(`shape entries must be non-negative integers (offset ${this.i})`);
      const n = Number(m[0].replace('L', ''));
      if (!Number.isSafeInteger(n)) fail(`shape entry ${m[0]} is too large`);
      out.push(n);
      this.i += m[0].length;
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== ')') fail(`expected ',' or ')' in the shape at offset ${this.i}`);
    }
  }
}

const DTYPE_NAMES: Record<string, string> = {
  f8: 'float64',
  f4: 'float32',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u8: 'uint64',
  u4: 'uint32',
  u2: 'uint16',
  u1: 'uint8',
  b1: 'bool',
};

function describeDescr(descr: string): string {
  const name = DTYPE_NAMES[descr.replace(/^[<>|=]/, '')];
  const order = descr.startsWith('>') && !/^>[iub]1$/.test(descr) ? 'big-endian ' : '';
  return name ? `'${descr}' (${order}${name})` : `'${descr}'`;
}

/** Parses an untrusted .npy file holding a float32 C-order array. */
export function parseNpy(file: Uint8Array): NpyArray {
  if (file.byteLength < 10 || MAGIC.some((b, i) => file[i] !== b)) {
    fail('the file does not start with the .npy magic string \\x93NUMPY');
  }
  const major = file[6]!;
  const minor = file[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail(`unsupported format version ${major}.${minor} (1.0, 2.0 and 3.0 are supported)`, {
      version: `${major}.${minor}`,
    });
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (file.byteLength < 8 + lenBytes) fail('the file ends inside the header length');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    fail(`header length ${headerLen} exceeds the ${MAX_NPY_HEADER_BYTES}-byte limit`, { headerLen });
  }
  const start = 8 + lenBytes;
  if (start + headerLen > file.byteLength) {
    fail(`header length ${headerLen} runs past the end of the ${file.byteLength}-byte file`, { headerLen });
  }
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(
      file.subarray(start, start + headerLen),
    );
  } catch {
    fail('the header is not valid text');
  }
  // numpy pads the header with spaces and a newline. Trimmed with a loop: /[\n ]+$/ takes
  // quadratic time on a long run of spaces followed by anything else.
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\n')) end--;
  const header = new HeaderParser(text.slice(0, end)).parse();
  for (const key of Object.keys(header)) {
    if (!['descr', 'shape', 'fortran_order'].includes(key)) fail(`unexpected header key '${key}'`);
  }
  const { descr, shape, fortran_order: fortran } = header;
  if (typeof descr !== 'string') fail("the header has no 'descr' string (dtype)");
  if (!Array.isArray(shape)) fail("the header has no 'shape' tuple");
  if (typeof fortran !== 'boolean') fail("the header has no 'fortran_order' boolean");
  const item = ITEM_BYTES[descr];
  if (!item) {
    throw new ResblocksError(
      'INPUT_DTYPE',
      `the .npy array has dtype ${describeDescr(descr)}; float32 ('<f4') or float64 ('<f8') little-endian is required`,
      { dtype: descr },
    );
  }
  if (fortran) fail('the array is stored in Fortran order (fortran_order: True); C order is required');
  const dataBytes = file.byteLength - start - headerLen;
  let elements = 1;
  for (const d of shape) {
    elements *= d;
    if (elements * item > dataBytes) break; // already too large for the file; stops overflow
  }
  if (elements * item !== dataBytes) {
    const needed = shape.reduce((p, d) => p * BigInt(d), BigInt(item));
    fail(
      `shape (${shape.join(', ')}) needs ${needed} bytes of ${item === 4 ? 'float32' : 'float64'} data but the file holds ${dataBytes}`,
      { shape, dataBytes },
    );
  }
  const data = new Float32Array(elements);
  if (item === 8) {
    for (let i = 0; i < elements; i++) data[i] = view.getFloat64(start + headerLen + 8 * i, true);
    return { shape, data, convertedFrom: 'float64' };
  }
  // Copy: the data offset need not be 4-byte aligned within the file buffer.
  new Uint8Array(data.buffer).set(file.subarray(start + headerLen));
  return { shape, data };
}

/** Serialises a float32 array as .npy 1.0 (header padded to 64 bytes like numpy). Little-endian hosts. */
export function serializeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

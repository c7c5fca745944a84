import { ResblocksError } from '../../errors.js';

/**
 * A restricted unpickler: it reads Python's pickle format (protocols 0 to 5, the data opcodes) into
 * plain values and builds nothing but data. A global is only a name; `resolveGlobal` maps the few
 * a caller allows to JavaScript functions and refuses the rest, so a file can never choose what
 * runs. REDUCE calls only those functions, BUILD only sets state on dicts; opcodes that construct
 * arbitrary classes (INST, OBJ, NEWOBJ, extension registry, out-of-band buffers) are refused.
 *
 * General pickle readers for JavaScript construct objects generically (calling whatever the stream
 * names, assigning attributes from the stream) and fail with untyped errors; this one is small
 * enough to audit and answers every problem with a ResblocksError.
 */

/** A Python value as read: str is string, bytes is Uint8Array, int is number or bigint (when unsafe). */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyTuple
  | PyValue[]
  | PyDict
  | PyGlobal
  | object;

/** A tuple: a frozen array, so list opcodes cannot change it. */
export type PyTuple = readonly PyValue[];

export class PyDict {
  readonly map = new Map<unknown, PyValue>();
  /** Attributes set by BUILD (OrderedDict's `_metadata` in a state_dict); never read as entries. */
  state: PyValue = null;
  constructor(readonly ordered = false) {}
}

/** A global the caller allowed. `invoke` exists for callables; storage types are markers only. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly invoke?: (args: PyTuple) => PyValue,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleOptions {
  /** Returns the allowed global or throws (CHECKPOINT_GLOBAL). */
  resolveGlobal(module: string, name: string): PyGlobal;
  /** Resolves a persistent id (torch's storages); absent: persistent ids are refused. */
  persistentLoad?(pid: PyValue): PyValue;
  /** Prefix of error messages, e.g. "checkpoint 'data.pkl'". */
  what?: string;
}

export interface Unpickled {
  value: PyValue;
  /** Offset just past the STOP opcode (the legacy format puts several pickles in a row). */
  end: number;
}

/** Integers wider than this many bytes are refused: a state_dict never needs them. */
const MAX_LONG_BYTES = 64;

export function isTuple(v: unknown): v is PyTuple {
  return Array.isArray(v) && Object.isFrozen(v);
}

export function isList(v: unknown): v is PyValue[] {
  return Array.isArray(v) && !Object.isFrozen(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof PyGlobal) return v.qualname;
  return (v as object).constructor?.name ?? 'object';
}

const tuple = (items: PyValue[]): PyTuple => Object.freeze(items);

/** Opcode names for messages (only those this reader knows). */
const NAMES: Record<number, string> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

const REFUSED = new Set([0x69, 0x6f, 0x81, 0x82, 0x83, 0x84, 0x92, 0x97, 0x98]);

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Little-endian two's-complement integer of any width (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
}

/**
 * Reads one pickle starting at `start`. Every read is bounds-checked and nothing is allocated
 * beyond what the bytes themselves hold, so the work is linear in the input.
 */
export function unpickle(data: Uint8Array, options: UnpickleOptions, start = 0): Unpickled {
  const what = options.what ?? 'pickle';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = start;
  let opAt = start;
  let op = 0;
  function fail(message: string, details: Record<string, unknown> = {}): never {
    throw new ResblocksError(
      'CHECKPOINT_FORMAT',
      `${what}: ${message} (opcode ${NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at byte ${opAt})`,
      { offset: opAt, ...details },
    );
  }
  function need(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > data.length)
      fail(`needs ${n} more bytes but the data ends at byte ${data.length}`);
    const at = pos;
    pos += n;
    return at;
  }
  const u8 = () => data[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const i32 = () => view.getInt32(need(4), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = view.getUint32(at + 4, true);
    // Lengths past 2^53 cannot be in memory anyway.
    if (hi >= 2 ** 21) fail('length does not fit in memory');
    return hi * 2 ** 32 + view.getUint32(at, true);
  };
  const bytes = (n: number) => data.subarray(need(n), pos);
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('text argument has no end of line');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const text = (n: number): string => {
    const b = bytes(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };

  // MARK starts a new stack and keeps the old one on the metastack, as CPython does.
  let stack: PyValue[] = [];
  const metastack: PyValue[][] = [];
  const memo = new Map<number, PyValue>();

  // Reads `stack` after its argument is evaluated: popMark() in the argument replaces the stack.
  const push = (v: PyValue) => {
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const outer = metastack.pop();
    if (!outer) fail('no MARK to pop to');
    stack = outer;
    return items;
  };
  const setItem = (d: PyValue, k: PyValue, v: PyValue) => {
    if (!(d instanceof PyDict)) fail(`SETITEM on a ${typeName(d)}, not a dict`);
    d.map.set(k, v);
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    push(memo.get(i)!);
  };
  const intLiteral = (s: string): number | bigint | boolean => {
    const t = s.trim().replace(/L$/, '');
    if (t === '00') return false;
    if (t === '01') return true;
    if (!/^[-+]?\d{1,40}$/.test(t)) fail(`invalid integer literal '${s.slice(0, 40)}'`);
    const b = BigInt(t);
    return Number.isSafeInteger(Number(b)) ? Number(b) : b;
  };

  for (;;) {
    opAt = pos;
    op = u8();
    if (REFUSED.has(op)) fail('builds objects by class, which a weights file never needs');
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unknown pickle protocol');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (metastack.length) fail('MARK left open at STOP');
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack, expected 1`);
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP (of the top value, or of the MARK when its stack is empty)
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e:
        push(null);
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4a:
        push(i32());
        break;
      case 0x4b:
        push(u8());
        break;
      case 0x4d:
        push(u16());
        break;
      case 0x49: // INT
      case 0x4c: // LONG
        push(intLiteral(line()));
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? u8() : i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`integer of ${n} bytes is too wide`);
        push(decodeLong(bytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8), false));
        break;
      case 0x46: {
        // FLOAT
        const s = line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)))
          fail(`invalid float literal '${s.slice(0, 40)}'`);
        push(v);
        break;
      }
      case 0x58:
        push(text(u32()));
        break;
      case 0x8c:
        push(text(u8()));
        break;
      case 0x8d:
        push(text(u64()));
        break;
      case 0x56: // UNICODE (raw-unicode-escape; plain ASCII in practice)
        push(line());
        break;
      case 0x54: {
        // BINSTRING: Python 2 str, read as Latin-1 like Python 3's encoding='latin1'
        const n = i32();
        push(latin1.decode(bytes(n)));
        break;
      }
      case 0x55:
        push(latin1.decode(bytes(u8())));
        break;
      case 0x53: {
        // STRING: a quoted repr
        const s = line().trim();
        const q = s[0];
        if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('invalid STRING literal');
        push(s.slice(1, -1));
        break;
      }
      case 0x42:
        push(bytes(u32()));
        break;
      case 0x43:
        push(bytes(u8()));
        break;
      case 0x8e:
      case 0x96:
        push(bytes(u64()));
        break;
      case 0x29:
        push(tuple([]));
        break;
      case 0x74:
        push(tuple(popMark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        push(tuple(items));
        break;
      }
      case 0x5d:
        push([]);
        break;
      case 0x6c:
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!isList(list)) fail(`APPEND to a ${typeName(list)}, not a list`);
        list.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!isList(list)) fail(`APPENDS to a ${typeName(list)}, not a list`);
        for (const v of items) list.push(v);
        break;
      }
      case 0x7d:
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT with an odd number of items');
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) d.map.set(items[i], items[i + 1]!);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        break;
      }
      case 0x8f: // EMPTY_SET (read as a list: sets never hold weights)
        push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!isList(set)) fail(`ADDITEMS to a ${typeName(set)}, not a set`);
        for (const v of items) set.push(v);
        break;
      }
      case 0x91:
        push(tuple(popMark()));
        break;
      case 0x70:
        memo.set(Number(intLiteral(line())), top());
        break;
      case 0x71:
        memo.set(u8(), top());
        break;
      case 0x72:
        memo.set(u32(), top());
        break;
      case 0x94:
        memo.set(memo.size, top());
        break;
      case 0x67:
        memoGet(Number(intLiteral(line())));
        break;
      case 0x68:
        memoGet(u8());
        break;
      case 0x6a:
        memoGet(u32());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(options.resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(options.resolveGlobal(module, name));
        break;
      }
      case 0x50: // PERSID
      case 0x51: {
        // BINPERSID
        const pid = op === 0x50 ? line() : pop();
        if (!options.persistentLoad) fail('persistent ids are not allowed here');
        push(options.persistentLoad(pid));
        break;
      }
      case 0x52: {
        // REDUCE: only the allowed functions
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !fn.invoke)
          fail(`REDUCE on ${typeName(fn)}, which is not callable here`);
        if (!isTuple(args)) fail(`REDUCE arguments are a ${typeName(args)}, not a tuple`);
        push(fn.invoke(args));
        break;
      }
      case 0x62: {
        // BUILD: state of an OrderedDict (its `_metadata`); nothing else takes state
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) fail(`BUILD on a ${typeName(obj)}, which takes no state here`);
        obj.state = state;
        break;
      }
      default:
        fail('unknown opcode');
    }
  }
}

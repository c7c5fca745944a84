import { ResblocksError } from '../../errors.js';
import type { SafetensorsDtype } from '../safetensors.js';
import { isTuple, PyDict, PyGlobal, type PyTuple, type PyValue, typeName } from './pickle.js';

/**
 * The only Python globals a state_dict pickle may name. Each maps to a JavaScript function that
 * checks its arguments and returns plain data; the storage types are markers that name a dtype.
 */

/** torch.<Name>Storage -> dtype of its elements. */
export const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDtype>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Tensors of more dimensions than this are refused (PyTorch's own limit is 64). */
const MAX_RANK = 64;

/** A storage record: `numel` elements of `dtype`; `bytes` is filled in from the archive. */
export class StorageRef {
  bytes: Uint8Array | undefined;
  constructor(
    readonly key: string,
    readonly dtype: SafetensorsDtype,
    readonly numel: number,
  ) {}
}

/** A tensor as the pickle describes it: a strided view into a storage, not yet copied. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    /** Elements in the tensor (product of the shape). */
    readonly numel: number,
  ) {}
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('CHECKPOINT_FORMAT', `invalid PyTorch checkpoint: ${message}`, details);
}

function ints(v: PyValue, what: string): number[] {
  if (!isTuple(v) && !Array.isArray(v)) fail(`${what} is a ${typeName(v)}, not a tuple of ints`);
  const out = v as readonly PyValue[];
  if (out.length > MAX_RANK) fail(`${what} has ${out.length} dimensions (at most ${MAX_RANK})`);
  for (const d of out) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      fail(`${what} holds ${String(d)}, not a non-negative int`);
  }
  return out as number[];
}

function nonNegativeInt(v: PyValue, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is ${String(v)}`);
  return v;
}

/** torch._utils._rebuild_tensor(_v2): checks that the view lies inside its storage. */
function rebuildTensor(args: PyTuple, counts: readonly number[], name: string): TensorRef {
  if (!counts.includes(args.length))
    fail(`${name} takes ${counts.join(' or ')} arguments, got ${args.length}`);
  const [storage, offsetArg, sizeArg, strideArg] = args;
  if (!(storage instanceof StorageRef)) fail(`${name}'s storage is a ${typeName(storage)}`);
  const offset = nonNegativeInt(offsetArg!, 'storage offset');
  const shape = ints(sizeArg!, 'tensor size');
  const stride = ints(strideArg!, 'tensor stride');
  if (stride.length !== shape.length)
    fail(`tensor size [${shape.join(', ')}] and stride [${stride.join(', ')}] differ in rank`);
  let numel = 1;
  let last = offset;
  for (let i = 0; i < shape.length; i++) {
    numel *= shape[i]!;
    last += (shape[i]! - 1) * stride[i]!;
    // Past the storage size neither can be valid; stop before the numbers lose precision.
    if (numel > 2 ** 40 || last > 2 ** 50) break;
  }
  if (numel > 0 && last >= storage.numel) {
    fail(
      `tensor of size [${shape.join(', ')}], stride [${stride.join(', ')}] at offset ${offset} reaches past its storage of ${storage.numel} elements`,
      { storage: storage.key },
    );
  }
  return new TensorRef(storage, offset, shape, stride, numel);
}

function parameter(args: PyTuple, counts: readonly number[], name: string): TensorRef {
  if (!counts.includes(args.length))
    fail(`${name} takes ${counts.join(' or ')} arguments, got ${args.length}`);
  if (!(args[0] instanceof TensorRef)) fail(`${name}'s data is a ${typeName(args[0])}, not a tensor`);
  return args[0];
}

function orderedDict(args: PyTuple): PyDict {
  const d = new PyDict(true);
  if (args.length === 0) return d;
  const items = args[0];
  if (args.length !== 1 || !Array.isArray(items)) fail('OrderedDict takes no arguments or one list of pairs');
  for (const pair of items as PyValue[]) {
    if (!isTuple(pair) || pair.length !== 2) fail('OrderedDict items must be (key, value) pairs');
    d.map.set(pair[0], pair[1]!);
  }
  return d;
}

const ALLOWED: Readonly<Record<string, (args: PyTuple) => PyValue>> = {
  'collections.OrderedDict': orderedDict,
  'torch._utils._rebuild_tensor_v2': (a) => rebuildTensor(a, [6, 7], '_rebuild_tensor_v2'),
  'torch._utils._rebuild_tensor': (a) => rebuildTensor(a, [4], '_rebuild_tensor'),
  'torch._utils._rebuild_parameter': (a) => parameter(a, [3], '_rebuild_parameter'),
  'torch._utils._rebuild_parameter_with_state': (a) => parameter(a, [4], '_rebuild_parameter_with_state'),
};

/** The unpickler's resolveGlobal: allowlisted names only, everything else is refused by name. */
export function resolveTorchGlobal(module: string, name: string): PyGlobal {
  const qualname = `${module}.${name}`;
  const fn = ALLOWED[qualname];
  if (fn) return new PyGlobal(module, name, fn);
  if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) return new PyGlobal(module, name);
  throw new ResblocksError(
    'CHECKPOINT_GLOBAL',
    `checkpoint refers to the Python global '${qualname}', which a state_dict of tensors never needs; it was refused and nothing in the file was run`,
    { global: qualname },
  );
}

/** A storage persistent id: ('storage', torch.<T>Storage, key, location, numel[, view metadata]). */
export function storageOf(pid: PyValue): {
  key: string;
  dtype: SafetensorsDtype;
  numel: number;
  view: PyValue;
} {
  if (!isTuple(pid) || (pid.length !== 5 && pid.length !== 6) || pid[0] !== 'storage')
    fail(`unknown persistent id (${typeName(pid)}); only storages are expected`);
  const [, type, key, , numelArg, view = null] = pid;
  if (!(type instanceof PyGlobal) || type.invoke || type.module !== 'torch')
    fail(`storage type is ${typeName(type)}, not a torch storage type`);
  if (typeof key !== 'string' || !/^\d{1,20}$/.test(key)) fail(`storage key '${String(key).slice(0, 40)}'`);
  const numel = nonNegativeInt(numelArg!, `size of storage ${key}`);
  return { key, dtype: STORAGE_DTYPES[type.name]!, numel, view };
}

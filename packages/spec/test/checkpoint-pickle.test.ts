import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { initWeights, networkGraph, parseCheckpoint, readCheckpoint } from '../src/index.js';
import { f32Bytes, op, pickle, stateDictPickle, tensorOps, torchSave, torchZip } from './checkpoint-files.js';
import { expectError } from './expect-error.js';

/** One float32 tensor named 'w' over storage '0'. */
function oneTensor(numel: number, size: number[], stride: number[], offset = 0, data = numel): Uint8Array {
  return torchZip(stateDictPickle([['w', tensorOps('0', numel, size, stride, offset)]]), {
    '0': f32Bytes(Array.from({ length: data }, (_, i) => i)),
  });
}

/** A zip whose data.pkl is exactly these bytes. */
const zipOf = (...parts: number[][]) => torchZip(pickle(...parts));

describe('checkpoint reader on hand-made archives', () => {
  it('reads the stand-in writer the command-line tests use', () => {
    const w = initWeights(networkGraph('resnet8_cifar'), 2);
    const back = readCheckpoint(torchSave(w));
    expect([...back.keys()]).toEqual([...w.keys()]);
    for (const [k, t] of w) expect([...back.get(k)!.data], k).toEqual([...t.data]);
  });

  it('reads views: offsets, strides, a transposed matrix', () => {
    const w = readCheckpoint(oneTensor(6, [3, 2], [1, 3]));
    expect(w.get('w')!.shape).toEqual([3, 2]);
    expect([...w.get('w')!.data]).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...readCheckpoint(oneTensor(6, [2], [2], 1)).get('w')!.data]).toEqual([1, 3]);
    expect([...readCheckpoint(oneTensor(6, [0, 4], [4, 1])).get('w')!.data]).toEqual([]);
  });

  it('swaps bytes of a big-endian archive', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const pkl = stateDictPickle([['w', tensorOps('0', 2, [2], [1])]]);
    const file = torchZip(pkl, { '0': be }, { byteorder: new TextEncoder().encode('big') });
    expect([...readCheckpoint(file).get('w')!.data]).toEqual([1.5, -2]);
  });

  it('refuses views that reach past their storage', () => {
    const err = expectError(() => readCheckpoint(oneTensor(6, [4, 2], [2, 1])), 'CHECKPOINT_FORMAT');
    expect(err.message).toContain('reaches past its storage of 6 elements');
    expectError(() => readCheckpoint(oneTensor(6, [2], [1], 5)), 'CHECKPOINT_FORMAT');
    expectError(() => readCheckpoint(oneTensor(6, [2, 3], [3])), 'CHECKPOINT_FORMAT');
  });

  it('refuses a storage whose record has the wrong size, or is missing', () => {
    expect(
      expectError(() => readCheckpoint(oneTensor(6, [6], [1], 0, 5)), 'CHECKPOINT_FORMAT').message,
    ).toContain('should hold 24 bytes');
    const pkl = stateDictPickle([['w', tensorOps('7', 1, [1], [1])]]);
    expect(expectError(() => readCheckpoint(torchZip(pkl)), 'CHECKPOINT_FORMAT').message).toContain(
      'is missing',
    );
  });

  it('bounds the memory of many views of one storage before copying', () => {
    // A 1-element storage expanded (stride 0) to a million elements: 4 MB from a tiny file.
    const before = process.memoryUsage().arrayBuffers;
    const err = expectError(() => readCheckpoint(oneTensor(1, [1_000_000], [0])), 'CHECKPOINT_FORMAT');
    expect(err.message).toContain('more than the file can hold');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20);
    // a small expansion is a legitimate view and is copied
    expect([...readCheckpoint(oneTensor(1, [3], [0])).get('w')!.data]).toEqual([0, 0, 0]);
  });

  it('names refused globals, through GLOBAL and STACK_GLOBAL', () => {
    const viaGlobal = zipOf(
      op.proto(),
      op.global('os', 'system'),
      op.str('id'),
      op.tuple1,
      op.reduce,
      op.stop,
    );
    let err = expectError(() => readCheckpoint(viaGlobal), 'CHECKPOINT_GLOBAL');
    expect(err.details.global).toBe('os.system');
    const viaStack = zipOf(op.proto(4), op.str('builtins'), op.str('exec'), op.stackGlobal, op.stop);
    err = expectError(() => readCheckpoint(viaStack), 'CHECKPOINT_GLOBAL');
    expect(err.message).toContain("'builtins.exec'");
    // a torch name that is not a storage type or rebuild function is refused too
    err = expectError(
      () => readCheckpoint(zipOf(op.proto(), op.global('torch', 'load'), op.stop)),
      'CHECKPOINT_GLOBAL',
    );
    expect(err.details.global).toBe('torch.load');
  });

  it('calls nothing but the allowed functions, and builds no objects by class', () => {
    const cases: [string, Uint8Array, string][] = [
      [
        'REDUCE on a string',
        zipOf(op.proto(), op.str('x'), op.emptyTuple, op.reduce, op.stop),
        'not callable',
      ],
      [
        'REDUCE on a storage type',
        zipOf(op.proto(), op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop),
        'not callable',
      ],
      [
        'REDUCE with a list for arguments',
        zipOf(op.proto(), op.global('collections', 'OrderedDict'), op.emptyList, op.reduce, op.stop),
        'not a tuple',
      ],
      ['BUILD on a list', zipOf(op.proto(), op.emptyList, op.emptyDict, op.build, op.stop), 'takes no state'],
      [
        'NEWOBJ',
        zipOf(op.proto(), op.global('collections', 'OrderedDict'), op.emptyTuple, op.newobj, op.stop),
        'builds objects by class',
      ],
      [
        'INST',
        zipOf(op.proto(), op.mark, [0x69, ...new TextEncoder().encode('os\nsystem\n')], op.stop),
        'builds objects by class',
      ],
      ['EXT1', zipOf(op.proto(), [0x82, 1], op.stop), 'builds objects by class'],
      [
        'a persistent id that is not a storage',
        zipOf(op.proto(), op.str('x'), op.binpersid, op.stop),
        'unknown persistent id',
      ],
      [
        '_rebuild_tensor_v2 without a storage',
        zipOf(
          op.proto(),
          op.global('torch._utils', '_rebuild_tensor_v2'),
          op.mark,
          op.none,
          op.int(0),
          op.emptyTuple,
          op.emptyTuple,
          op.newFalse,
          op.none,
          op.tuple,
          op.reduce,
          op.stop,
        ),
        'storage is a None',
      ],
    ];
    for (const [what, file, message] of cases) {
      const err = expectError(() => readCheckpoint(file), 'CHECKPOINT_FORMAT');
      expect(err.message, what).toContain(message);
    }
  });

  it('reports malformed pickles with the opcode and its offset', () => {
    const cases: [Uint8Array, string][] = [
      [zipOf(op.proto(), op.emptyDict), 'data ends'],
      [zipOf(op.proto(), op.setitem, op.stop), 'stack underflow'],
      [zipOf(op.proto(), op.binget(3), op.stop), 'memo key 3 was never stored'],
      [zipOf(op.proto(), op.none, op.none, op.stop), 'STOP with 2 values'],
      [zipOf(op.proto(), op.mark, op.none, op.stop), 'MARK left open'],
      [zipOf(op.proto(), op.long1(Array(65).fill(1)), op.stop), 'too wide'],
      [zipOf(op.proto(), op.none, op.str('k'), op.none, op.setitem, op.stop), 'SETITEM on a None'],
      [zipOf(op.proto(), [0x58, 0xff, 0xff, 0xff, 0x7f], op.stop), 'needs 2147483647 more bytes'],
      [zipOf(op.proto(), [0x58, 2, 0, 0, 0, 0xc3, 0x28], op.stop), 'not valid UTF-8'],
    ];
    for (const [file, message] of cases) {
      const err = expectError(() => readCheckpoint(file), 'CHECKPOINT_FORMAT');
      expect(err.message).toContain(message);
      expect(err.message).toMatch(/at byte \d+\)$/);
    }
  });

  it('says what is wrong with a checkpoint that holds no state_dict', () => {
    const cases: [Uint8Array, string][] = [
      [zipOf(op.proto(), op.emptyList, op.stop), 'holds a list, not a state_dict'],
      [
        zipOf(op.proto(), op.emptyDict, op.str('model'), op.str('resnet'), op.setitem, op.stop),
        "entry 'model'",
      ],
      [
        zipOf(op.proto(), op.emptyDict, op.str('state_dict'), op.emptyDict, op.setitem, op.stop),
        "the dict under 'state_dict' holds no tensors",
      ],
    ];
    for (const [file, message] of cases)
      expect(expectError(() => readCheckpoint(file), 'CHECKPOINT_FORMAT').message).toContain(message);
  });

  it('checks the zip directory before extracting anything', () => {
    const pkl = stateDictPickle([['w', tensorOps('0', 1, [1], [1])]]);
    const data = f32Bytes([1]);
    // A deflated entry that claims to inflate to 2 GB is refused before the buffer is allocated.
    const deflated = zipSync({
      'archive/data.pkl': [pkl, { level: 6 }],
      'archive/data/0': [data, { level: 0 }],
    });
    const cd = findCentralEntry(deflated, 'archive/data.pkl');
    new DataView(deflated.buffer).setUint32(cd + 24, 0x7fff_fff0, true);
    const before = process.memoryUsage().arrayBuffers;
    expect(expectError(() => readCheckpoint(deflated), 'CHECKPOINT_FORMAT').message).toContain('claims');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20);
    // ... while an honest deflated archive reads
    const honest = zipSync({
      'archive/data.pkl': [pkl, { level: 6 }],
      'archive/data/0': [data, { level: 6 }],
    });
    expect([...readCheckpoint(honest).get('w')!.data]).toEqual([1]);

    const messages: [Uint8Array, string][] = [
      [torchZip(pkl, { '0': data }, {}, 'a').slice(0, 40), 'truncated'],
      [zipSync({ 'a/data.pkl': [pkl, { level: 0 }], 'b/data/0': [data, { level: 0 }] }), 'several folders'],
      [zipSync({ 'x.txt': new Uint8Array(3) }), 'no <folder>/data.pkl'],
      [torchZip(pkl, { '0': data }, { 'constants.pkl': new Uint8Array(2) }), 'TorchScript'],
      [torchZip(pkl, { '0': data }, { byteorder: new TextEncoder().encode('middle') }), 'byteorder'],
    ];
    for (const [file, message] of messages)
      expect(expectError(() => parseCheckpoint(file), 'CHECKPOINT_FORMAT').message).toContain(message);
  });
});

/** Offset of the central directory header of `name`. */
function findCentralEntry(zip: Uint8Array, name: string): number {
  const v = new DataView(zip.buffer, zip.byteOffset);
  const bytes = new TextEncoder().encode(name);
  for (let i = 0; i + 46 < zip.length; i++) {
    if (v.getUint32(i, true) !== 0x02014b50) continue;
    if (bytes.every((b, j) => zip[i + 46 + j] === b)) return i;
  }
  throw new Error(`no central entry ${name}`);
}

import { describe, expect, it } from 'vitest';
import {
  type BlockContract,
  blockContract,
  blockOutChannels,
  blockWidth,
  ORDERINGS,
  validateBlock,
} from '../src/index.js';
import { expectError } from './expect-error.js';

const bottleneck = (o: Partial<BlockContract> = {}) =>
  ({ ...blockContract({ kind: 'bottleneck', planes: 16 }), ...o }) as BlockContract;
const basic = (o: Partial<BlockContract> = {}) =>
  ({ ...blockContract({ kind: 'basic', planes: 16 }), ...o }) as BlockContract;

/** Asserts INVALID_CONTRACT whose details and message name `field`. */
function rejects(b: BlockContract, field: string) {
  const err = expectError(() => validateBlock(b), 'INVALID_CONTRACT');
  expect(err.details.field).toBe(field);
  expect(err.message).toContain(field);
  return err;
}

describe('blockContract defaults', () => {
  it('fills torchvision defaults', () => {
    expect(blockContract({ kind: 'bottleneck' })).toEqual({
      kind: 'bottleneck',
      inChannels: 64,
      planes: 16,
      stride: 1,
      groups: 1,
      baseWidth: 64,
      strideOn: '3x3',
      shortcut: 'identity',
      ordering: 'post',
      bnEps: 1e-5,
      convBias: false,
    });
    expect(blockContract({ kind: 'basic', planes: 8 }).inChannels).toBe(8);
  });

  it('picks a projection shortcut when stride or channels change', () => {
    expect(blockContract({ kind: 'bottleneck', stride: 2 }).shortcut).toBe('projection');
    expect(blockContract({ kind: 'bottleneck', inChannels: 32 }).shortcut).toBe('projection');
    expect(blockContract({ kind: 'basic', planes: 8, inChannels: 4 }).shortcut).toBe('projection');
    expect(blockContract({ kind: 'bottleneck', stride: 2, shortcut: 'avgdown' }).shortcut).toBe('avgdown');
  });

  it('validates what it builds', () => {
    expectError(() => blockContract({ kind: 'basic', groups: 2 }), 'INVALID_CONTRACT');
  });
});

describe('width', () => {
  it('matches torchvision width = floor(planes * baseWidth / 64) * groups', () => {
    // resnext50_32x4d layer1
    const rx = blockContract({ kind: 'bottleneck', planes: 64, groups: 32, baseWidth: 4 });
    expect(blockWidth(rx)).toBe(128);
    // wide_resnet50_2 layer1
    expect(blockWidth(blockContract({ kind: 'bottleneck', planes: 64, baseWidth: 128 }))).toBe(128);
    // resnet50 layer1 and resnext101_32x8d layer4
    expect(blockWidth(blockContract({ kind: 'bottleneck', planes: 64 }))).toBe(64);
    expect(blockWidth(blockContract({ kind: 'bottleneck', planes: 512, groups: 32, baseWidth: 8 }))).toBe(
      2048,
    );
    // flooring: 24 * 4 / 64 = 1.5 -> 1 per group
    expect(blockWidth(blockContract({ kind: 'bottleneck', planes: 24, groups: 8, baseWidth: 4 }))).toBe(8);
    expect(blockWidth(blockContract({ kind: 'basic', planes: 24 }))).toBe(24);
  });

  it('output channels use the expansion (1 basic, 4 bottleneck)', () => {
    expect(blockOutChannels(blockContract({ kind: 'bottleneck', planes: 64 }))).toBe(256);
    expect(blockOutChannels(blockContract({ kind: 'basic', planes: 64 }))).toBe(64);
  });
});

describe('invalid contracts', () => {
  it('accepts every ordering, stride placement and shortcut that is legal', () => {
    for (const ordering of ORDERINGS) {
      for (const strideOn of ['1x1', '3x3'] as const)
        for (const shortcut of ['projection', 'avgdown'] as const)
          expect(() => validateBlock(bottleneck({ ordering, strideOn, shortcut, stride: 2 }))).not.toThrow();
      expect(() => validateBlock(basic({ ordering }))).not.toThrow();
    }
  });

  it('rejects a 3x3 width of zero (groups cannot divide it)', () => {
    // floor(8 * 4 / 64) = 0 channels per group
    rejects(bottleneck({ planes: 8, baseWidth: 4, groups: 32, inChannels: 32 }), 'baseWidth');
  });

  it('rejects basic blocks with groups != 1 or baseWidth != 64', () => {
    rejects(basic({ groups: 2 }), 'groups');
    rejects(basic({ baseWidth: 128 }), 'baseWidth');
  });

  it("rejects basic blocks striding on '1x1'", () => {
    rejects(basic({ strideOn: '1x1' }), 'strideOn');
  });

  it('rejects non-positive and non-integer sizes', () => {
    for (const field of ['inChannels', 'planes', 'stride', 'groups', 'baseWidth'] as const) {
      for (const v of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
        const err = rejects(bottleneck({ [field]: v }), field);
        expect(err.details.value).toBe(v);
      }
    }
  });

  it('rejects an identity shortcut with stride 2 or a channel change', () => {
    const s = rejects(bottleneck({ shortcut: 'identity', stride: 2 }), 'shortcut');
    expect(s.details).toMatchObject({ stride: 2 });
    const c = rejects(bottleneck({ shortcut: 'identity', inChannels: 32 }), 'shortcut');
    expect(c.details).toMatchObject({ inChannels: 32, outChannels: 64 });
    rejects(basic({ shortcut: 'identity', planes: 8, inChannels: 16 }), 'shortcut');
  });

  it('rejects unknown enumerations', () => {
    rejects(bottleneck({ ordering: 'pre' as never }), 'ordering');
    rejects(bottleneck({ kind: 'wide' as never }), 'kind');
    rejects(bottleneck({ strideOn: '5x5' as never }), 'strideOn');
    rejects(bottleneck({ shortcut: 'none' as never }), 'shortcut');
  });

  it('rejects a bad BN eps', () => {
    for (const v of [0, -1e-5, Number.NaN, Number.POSITIVE_INFINITY, '1e-5' as unknown as number])
      rejects(bottleneck({ bnEps: v }), 'bnEps');
  });

  it('rejects a non-boolean convBias', () => {
    rejects(bottleneck({ convBias: 1 as unknown as boolean }), 'convBias');
  });
});

import { describe, expect, it } from 'vitest';
import {
  getNetwork,
  graphCosts,
  lowerNetwork,
  NETWORK_NAMES,
  NETWORKS,
  networkGraph,
  validateNetwork,
} from '../src/index.js';
import { expectError } from './expect-error.js';

/** sum(p.numel() for p in model.parameters()) from torchvision 0.2x (timm for resnet50d). */
const TORCHVISION_PARAMETERS: Record<string, number> = {
  resnet18: 11689512,
  resnet34: 21797672,
  resnet50: 25557032,
  resnet101: 44549160,
  resnet152: 60192808,
  resnext50_32x4d: 25028904,
  resnext101_32x8d: 88791336,
  resnext101_64x4d: 83455272,
  wide_resnet50_2: 68883240,
  wide_resnet101_2: 126886696,
  resnet50d: 25576264,
};

const keys = (name: string) => networkGraph(name).params.map((p) => p.name);

describe('networks', () => {
  it.each(Object.entries(TORCHVISION_PARAMETERS))('%s has %i parameters', (name, count) => {
    expect(graphCosts(networkGraph(name)).parameters).toBe(count);
  });

  it('counts BN running statistics as buffers, not parameters', () => {
    // resnet18: 20 BNs over 9600 channels, mean + var each
    expect(graphCosts(networkGraph('resnet18')).buffers).toBe(2 * 4800);
  });

  it('MACs at 224x224 match the published GFLOPS', () => {
    const r50 = graphCosts(networkGraph('resnet50'), [1, 3, 224, 224]);
    expect(r50.macs / 1e9).toBeCloseTo(4.09, 2);
    expect(graphCosts(networkGraph('resnet18')).macs / 1e9).toBeCloseTo(1.81, 2);
    expect(graphCosts(networkGraph('resnext50_32x4d')).macs / 1e9).toBeCloseTo(4.23, 2);
    expect(r50.flops).toBeGreaterThan(2 * r50.macs);
    // MACs scale with the batch and with the spatial area
    expect(graphCosts(networkGraph('resnet50'), [4, 3, 224, 224]).macs).toBe(4 * r50.macs);
  });

  it('names resnet50 parameters like the torchvision state_dict, in its order', () => {
    const k = keys('resnet50');
    for (const key of [
      'conv1.weight',
      'bn1.running_mean',
      'layer1.0.bn1.running_var',
      'layer1.0.downsample.0.weight',
      'layer2.0.downsample.0.weight',
      'layer2.0.downsample.1.running_var',
      'layer4.2.conv3.weight',
      'fc.weight',
      'fc.bias',
    ])
      expect(k).toContain(key);
    expect(k.slice(0, 6)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'layer1.0.conv1.weight',
    ]);
    expect(k.at(-1)).toBe('fc.bias');
    expect(k).not.toContain('layer1.1.downsample.0.weight');
    expect(k.some((n) => n.endsWith('num_batches_tracked'))).toBe(false);
    expect(new Set(k).size).toBe(k.length);
    // torchvision resnet50 has 320 state_dict entries of which 53 are num_batches_tracked
    expect(k.length).toBe(320 - 53);
  });

  it('names resnet50d parameters like timm (deep stem, avgpool downsample)', () => {
    const k = keys('resnet50d');
    for (const key of [
      'conv1.0.weight',
      'conv1.1.running_mean',
      'conv1.3.weight',
      'conv1.4.weight',
      'conv1.6.weight',
      'bn1.weight',
      'layer1.0.downsample.1.weight',
      'layer2.0.downsample.1.weight',
      'layer2.0.downsample.2.running_mean',
    ])
      expect(k).toContain(key);
    expect(k).not.toContain('conv1.weight');
    expect(k).not.toContain('layer2.0.downsample.0.weight');
    const pool = networkGraph('resnet50d').nodes.find((n) => n.name === 'layer2.0.downsample.0');
    expect(pool).toMatchObject({ op: 'avgpool', kernel: [2, 2], stride: [2, 2], ceilMode: true });
    expect(pool).toMatchObject({ countIncludePad: false });
  });

  it('every named network lowers and validates', () => {
    expect(NETWORK_NAMES.length).toBeGreaterThanOrEqual(11);
    for (const name of NETWORK_NAMES) {
      const spec = getNetwork(name);
      expect(validateNetwork(spec)).toBe(spec);
      const g = lowerNetwork(spec);
      expect(g.params.at(-1)?.shape).toEqual([spec.numClasses]);
    }
  });

  it('networkGraph is memoised', () => {
    expect(networkGraph('resnet18')).toBe(networkGraph('resnet18'));
  });

  it('getNetwork rejects an unknown name listing the known ones', () => {
    const err = expectError(() => getNetwork('nope'), 'UNKNOWN_MODEL');
    expect(err.message).toContain("'nope'");
    for (const name of NETWORK_NAMES) expect(err.message).toContain(name);
    expect(err.details.model).toBe('nope');
  });

  it('validateNetwork rejects malformed specs naming the field', () => {
    const base = NETWORKS.resnet18!;
    const cases: [Partial<typeof base>, string][] = [
      [{ layers: [] }, 'layers'],
      [{ layers: [2, 0, 2, 2] }, 'layers'],
      [{ widths: [64, 128] }, 'widths'],
      [{ numClasses: 0 }, 'numClasses'],
      [{ inChannels: 1.5 }, 'inChannels'],
      [{ stem: 'huge' as never }, 'stem'],
      [{ ordering: 'bn-after-add' as never }, 'ordering'],
    ];
    for (const [bad, field] of cases) {
      const err = expectError(() => validateNetwork({ ...base, ...bad }), 'INVALID_CONTRACT');
      expect(err.details.field).toBe(field);
    }
  });
});

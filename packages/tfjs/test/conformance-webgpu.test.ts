import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '../src/index.js';

const probe = await tfjsAdapter.probe('webgpu');

await defineConformanceSuite(tfjsAdapter, 'webgpu', {
  availability: probe,
  // Really WebGPU: tfjs reports it ran on webgpu, with the adapter Dawn gave it.
  expectInfo: (info) => {
    if (info.backend !== 'webgpu') return `tfjs ran on '${String(info.backend)}', not 'webgpu'`;
    const gpu = info.gpu as { vendor?: unknown; software?: unknown } | undefined;
    if (typeof gpu?.vendor !== 'string') return 'no GPU adapter vendor in info.gpu';
    if (gpu.software !== (probe.device === 'software'))
      return `info.gpu.software is ${String(gpu.software)} but the probe says device '${probe.device}'`;
    return info.groupedConv === 'kernel'
      ? undefined
      : `groupedConv '${String(info.groupedConv)}', not 'kernel'`;
  },
  // SwiftShader compiles every shader on the CPU: a subsample of the block grid keeps this fast.
  maxBlockCases: 24,
  networks: ['resnet8_cifar'],
  randomCases: 4,
  sample: {
    ops: [
      'ops/conv-asymmetric-pads-stride2',
      'ops/maxpool-ceil-asymmetric',
      'ops/avgpool-pad1-ceil-exclude-pad',
    ],
    blocks: [
      'blocks/basic-stride2-7x9-batch3',
      'blocks/resnext-groups32-stride2',
      'blocks/avgdown-stride2-ceil-7x9',
      'blocks/preact-bottleneck-stride2',
    ],
    'tiny-networks': ['tiny-networks/resnet18-classic-stem-maxpool', 'tiny-networks/resnet8_cifar-16x16'],
  },
  report: 'reports/conformance-tfjs-webgpu.json',
});

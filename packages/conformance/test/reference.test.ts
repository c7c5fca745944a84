import { referenceAdapter } from '@resblocks/spec';
import { defineConformanceSuite } from '../src/index.js';

// The oracle against itself: every case must pass, which also checks the fixtures and the cases.
await defineConformanceSuite(referenceAdapter, 'float64', {
  networks: ['resnet8_cifar', 'resnet20_cifar', 'resnet18'],
  randomCases: 12,
  required: true,
});

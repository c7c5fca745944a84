import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initWeights, networkGraph, seededInput, serializeSafetensors, type Tensor } from '@resblocks/spec';
import { f32Npy } from './npy-bytes.js';

/** Seeded weights and input for resnet8_cifar written with the spec's own writers (not the CLI's). */
export function writeSeededFiles(dir: string): { weights: string; input: string; x: Tensor } {
  const graph = networkGraph('resnet8_cifar');
  const weights = join(dir, 'resnet8.safetensors');
  writeFileSync(weights, serializeSafetensors(initWeights(graph, 1)));
  const x = seededInput([2, 3, 32, 32], 5);
  const input = join(dir, 'x.npy');
  writeFileSync(input, f32Npy([2, 3, 32, 32], x.data));
  return { weights, input, x };
}

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.js';

describe('pack smoke test', () => {
  it('installs the packed tarballs in a fresh project, runs resnet8_cifar against the reference and the resblocks bin', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'pack-smoke.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 900_000,
    });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output).toBe(0);
    expect(output).toMatch(
      /✓ resnet8_cifar matches the reference: tfjs:wasm .*onnx-web:wasm .*onnx-node:cpu .*gpujs:cpu/,
    );
    // With CI=true WebGPU must run (SwiftShader at least), so the WGSL engine is checked as installed too.
    if (process.env.CI === 'true') expect(output).toMatch(/webgpu:f32 [\d.]+ % of budget/);
    expect(output).toContain('✓ npx resblocks backends');
  });
});

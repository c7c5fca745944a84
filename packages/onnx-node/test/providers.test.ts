import { existsSync } from 'node:fs';
import { initWeights, isResblocksError, networkGraph } from '@resblocks/spec';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { onnxNodeAdapter } from '../src/index.js';
import { misplaced, profileFolder } from '../src/placement.js';
import { PROVIDERS } from '../src/providers.js';

const here = `${process.platform}/${process.arch}`;
const offered = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));

describe('onnx-node probes', () => {
  it('cpu is available and its probe model ran on the CPU provider', async () => {
    const a = await onnxNodeAdapter.probe('cpu');
    expect(a.available, a.reason).toBe(true);
    expect(a.device).toBe('cpu');
    expect(a.info).toMatchObject({
      backend: 'cpu',
      executionProvider: 'CPUExecutionProvider',
      version: '1.30.0',
    });
  });

  it.each(PROVIDERS.filter((p) => !p.platforms.includes(here)).map((p) => p.name))(
    '%s, not shipped for this platform, says wrong platform',
    async (name) => {
      const a = await onnxNodeAdapter.probe(name);
      expect(a.available).toBe(false);
      expect(a.reason).toMatch(/^wrong platform: onnxruntime-node ships the \w+ only for /);
      expect(a.reason).toContain(`this is ${here}`);
    },
  );

  it.skipIf(offered.get('cuda') !== false || existsSync('/proc/driver/nvidia/version'))(
    'cuda without its downloaded library or an NVIDIA driver names both',
    async () => {
      const a = await onnxNodeAdapter.probe('cuda');
      expect(a.available).toBe(false);
      expect(a.reason).toContain('libonnxruntime_providers_cuda.so) is not installed');
      expect(a.reason).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
      expect(a.reason).toContain('no NVIDIA driver is loaded');
    },
  );

  it('an unavailable backend fails compile with BACKEND_UNAVAILABLE and the same reason', async () => {
    const name = PROVIDERS.find((p) => !p.platforms.includes(here))!.name;
    const g = networkGraph('resnet8_cifar');
    const e = await onnxNodeAdapter.compile(g, initWeights(g, 1), { backend: name }).catch((x) => x);
    expect(isResblocksError(e, 'BACKEND_UNAVAILABLE'), String(e)).toBe(true);
    expect((e as Error).message).toContain(`onnx-node:${name} is unavailable: wrong platform`);
  });

  it('unknown backends are UNKNOWN_BACKEND naming the real ones', async () => {
    const g = networkGraph('resnet8_cifar');
    const e = await onnxNodeAdapter.compile(g, initWeights(g, 1), { backend: 'tpu' }).catch((x) => x);
    expect(isResblocksError(e, 'UNKNOWN_BACKEND')).toBe(true);
    expect((e as Error).message).toContain('cpu, cuda, dml, coreml, webgpu');
  });
});

describe('placement check (never a silent CPU fallback)', () => {
  /** Runs a real model on onnxruntime-node's CPU provider with profiling, and returns the profile. */
  async function cpuProfile() {
    const { exportOnnx, INPUT_NAME } = await import('@resblocks/onnx');
    const g = networkGraph('resnet8_cifar');
    const folder = profileFolder();
    try {
      const s = await ort.InferenceSession.create(exportOnnx(g, initWeights(g, 1)), {
        executionProviders: ['cpu'],
        enableProfiling: true,
        profileFilePrefix: folder.prefix,
      });
      const x = new ort.Tensor('float32', new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
      await s.run({ [INPUT_NAME]: x });
      s.endProfiling();
      await s.release();
      return folder.read();
    } finally {
      folder.remove();
    }
  }

  it('a session that ran on the CPU when CUDA was asked for is caught, naming the nodes', async () => {
    const events = await cpuProfile();
    expect(misplaced(events, 'CPUExecutionProvider')).toBeUndefined();
    const why = misplaced(events, 'CUDAExecutionProvider');
    expect(why).toMatch(/^asked for CUDAExecutionProvider, but node '[^']+' ran on CPUExecutionProvider/);
    expect(why).toContain("node 'fc' ran on CPUExecutionProvider");
  });

  it('an empty profile is not taken as proof', () => {
    expect(misplaced([], 'CPUExecutionProvider')).toContain('no node that ran');
  });
});

describe.skipIf(!offered.has('webgpu'))('onnx-node:webgpu sessions', () => {
  it('a node that would run on the CPU fails session creation instead of falling back', async () => {
    const a = await onnxNodeAdapter.probe('webgpu');
    if (!a.available) throw new Error(`onnx-node:webgpu is unavailable: ${a.reason}`);
    const { exportOnnx } = await import('@resblocks/onnx');
    const { sessionOptions } = await import('../src/runtime.js');
    const webgpu = PROVIDERS.find((p) => p.name === 'webgpu')!;
    const g = networkGraph('resnet8_cifar');
    const bytes = exportOnnx(g, initWeights(g, 1));
    const forced = {
      ...sessionOptions(webgpu),
      executionProviders: [{ name: 'webgpu', forceCpuNodeNames: ['fc'] }],
    };
    await expect(ort.InferenceSession.create(bytes, forced)).rejects.toThrow(
      /fallback to CPU EP has been explicitly disabled/,
    );
  });
});

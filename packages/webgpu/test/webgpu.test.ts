import {
  blockContract,
  compareTensors,
  errorModel,
  initWeights,
  isResblocksError,
  lowerBlock,
  networkGraph,
  runReference,
  seededInput,
} from '@resblocks/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const probe = await webgpuAdapter.probe('f32');

/** Counts what really reaches the queue, on Dawn's own prototypes (not the engine's word for it). */
function countQueue(): { submits: number; dispatches: number; restore(): void } {
  const g = globalThis as unknown as {
    GPUQueue: { prototype: { submit(...a: unknown[]): unknown } };
    GPUComputePassEncoder: { prototype: { dispatchWorkgroups(...a: unknown[]): unknown } };
  };
  const submit = g.GPUQueue.prototype.submit;
  const dispatch = g.GPUComputePassEncoder.prototype.dispatchWorkgroups;
  const counts = {
    submits: 0,
    dispatches: 0,
    restore() {
      g.GPUQueue.prototype.submit = submit;
      g.GPUComputePassEncoder.prototype.dispatchWorkgroups = dispatch;
    },
  };
  g.GPUQueue.prototype.submit = function (this: unknown, ...a: unknown[]) {
    counts.submits++;
    return submit.apply(this, a);
  };
  g.GPUComputePassEncoder.prototype.dispatchWorkgroups = function (this: unknown, ...a: unknown[]) {
    counts.dispatches++;
    return dispatch.apply(this, a);
  };
  return counts;
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(isResblocksError(e), String(e)).toBe(true);
    return (e as { code: string }).code;
  }
  return undefined;
}

const block = lowerBlock(
  blockContract({ kind: 'bottleneck', inChannels: 16, planes: 4, stride: 2 }),
  'split',
);
const blockWeights = initWeights(block, 2);

describe('webgpu adapter', () => {
  afterAll(async () => {
    // Every model below was disposed: nothing of theirs is left on the device.
    const r = await webgpuAdapter.resources('f32');
    expect(r.models).toBe(0);
    expect(r.buffers).toBe(0);
  });

  it.skipIf(!probe.available && !CI)('has a WebGPU adapter (required under CI=true)', () => {
    expect(probe.available, `no WebGPU adapter: ${probe.reason}`).toBe(true);
    if (/swiftshader/i.test(String(probe.info?.architecture))) expect(probe.device).toBe('software');
  });

  it('lists f32 and f16, each with its dtype', () => {
    expect(webgpuAdapter.backends.map((b) => b.name)).toEqual(['f32', 'f16']);
    expect(webgpuAdapter.dtype('f32')).toBe('float32');
    expect(webgpuAdapter.dtype('f16')).toBe('float16');
  });

  it.skipIf(!probe.available)(
    'runs resnet8_cifar in one pass and one submit, only the logits read back',
    async () => {
      const graph = networkGraph('resnet8_cifar');
      const weights = initWeights(graph, 1);
      const model = await webgpuAdapter.compile(graph, weights, { backend: 'f32' });
      try {
        const x = seededInput([2, 3, 16, 16], 1);
        await model.run(x);
        const counts = countQueue();
        let y: Awaited<ReturnType<typeof model.run>>;
        try {
          y = await model.run(x);
        } finally {
          counts.restore();
        }
        const info = model.info() as {
          plan: {
            ops: number;
            buffers: number;
            pipelines: number;
            peakLiveBytes: number;
            activationBytes: number;
          };
          lastRun: { dispatches: number; submits: number; passes: number };
        };
        expect(info.lastRun).toMatchObject({ dispatches: info.plan.ops, submits: 1, passes: 1 });
        expect(counts).toMatchObject({ submits: 1, dispatches: info.plan.ops });
        // stem conv, 3 blocks of 2 or 3 convs, and the pooled linear layer.
        expect(info.plan.ops).toBe(1 + 2 + 3 + 3 + 1);
        expect(info.plan.pipelines).toBeLessThan(info.plan.ops);
        expect(info.plan.activationBytes).toBeGreaterThanOrEqual(info.plan.peakLiveBytes);
        const cmp = compareTensors(
          y.data,
          runReference(graph, weights, x).data,
          'float32',
          errorModel(graph),
        );
        expect(cmp.pass).toBe(true);
      } finally {
        await model.dispose();
      }
    },
  );

  it.skipIf(!probe.available)(
    "the classifier's split reduction, by subgroups and in workgroup memory, agrees with the reference",
    async () => {
      // 512 input channels (two packets per thread), 13 classes (a partial packet and workgroup).
      const graph = networkGraph('resnet18', { numClasses: 13 });
      const weights = initWeights(graph, 5);
      const x = seededInput([3, 3, 32, 32], 5);
      const expected = runReference(graph, weights, x).data;
      const offered = (probe.info as { features?: { subgroups?: boolean } } | undefined)?.features?.subgroups;
      if (/swiftshader/i.test(String(probe.info?.architecture))) expect(offered).toBe(true);
      for (const subgroups of offered ? [true, false] : [false]) {
        const model = await webgpuAdapter.compile(graph, weights, { backend: 'f32', subgroups } as never);
        try {
          const y = await model.run(x);
          const info = model.info() as { subgroups: boolean; plan: { kernelClasses: string[] } };
          expect(info.subgroups).toBe(subgroups);
          expect(info.plan.kernelClasses).toContain(subgroups ? 'pool-linear-subgroups' : 'pool-linear');
          const cmp = compareTensors(y.data, expected, 'float32', errorModel(graph));
          expect(cmp.pass, `subgroups: ${subgroups}: ${cmp.fraction} of the budget`).toBe(true);
        } finally {
          await model.dispose();
        }
      }
    },
  );

  it.skipIf(!probe.available)(
    'splits a batch that exceeds maxStorageBufferBindingSize into sub-batches with the same results',
    async () => {
      const x = seededInput([5, 16, 9, 9], 3);
      const whole = await webgpuAdapter.compile(block, blockWeights, { backend: 'f32' });
      // One image's largest value: 9x9 pixels of 16 channels in f32 = 5184 bytes.
      const capped = await webgpuAdapter.compile(block, blockWeights, {
        backend: 'f32',
        limits: { maxStorageBufferBindingSize: 2 * 5184 },
      } as never);
      try {
        const a = await whole.run(x);
        const b = await capped.run(x);
        expect((whole.info() as { lastRun: unknown }).lastRun).toMatchObject({ submits: 1, subBatches: 1 });
        // Sub-batches of two: 2 + 2 + 1, a submit each.
        expect((capped.info() as { lastRun: unknown }).lastRun).toMatchObject({
          submits: 3,
          subBatches: 3,
          batch: 2,
        });
        expect(b.data).toEqual(a.data);
        const ref = runReference(block, blockWeights, x);
        expect(compareTensors(b.data, ref.data, 'float32', errorModel(block)).pass).toBe(true);
      } finally {
        await whole.dispose();
        await capped.dispose();
      }
    },
  );

  it.skipIf(!probe.available)(
    'spreads a dispatch over two grid dimensions past maxComputeWorkgroupsPerDimension',
    async () => {
      // 4 x 9 x 9 output pixels of the first conv: 6 GEMM row tiles, more than the grid's x allows.
      const x = seededInput([4, 16, 9, 9], 4);
      const whole = await webgpuAdapter.compile(block, blockWeights, { backend: 'f32' });
      const narrow = await webgpuAdapter.compile(block, blockWeights, {
        backend: 'f32',
        limits: { maxComputeWorkgroupsPerDimension: 4 },
      } as never);
      try {
        const a = await whole.run(x);
        const b = await narrow.run(x);
        expect((narrow.info() as { lastRun: unknown }).lastRun).toMatchObject({ submits: 1 });
        expect(b.data).toEqual(a.data);
      } finally {
        await whole.dispose();
        await narrow.dispose();
      }
    },
  );

  it.skipIf(!probe.available)('refuses an image too large for the limits, naming the limit', async () => {
    const model = await webgpuAdapter.compile(block, blockWeights, {
      backend: 'f32',
      limits: { maxStorageBufferBindingSize: 4096 },
    } as never);
    try {
      const run = model.run(seededInput([1, 16, 9, 9], 1));
      await expect(run).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
      await expect(model.run(seededInput([1, 16, 9, 9], 1))).rejects.toThrow(/maxStorageBufferBindingSize/);
      // A smaller image fits.
      const small = await model.run(seededInput([1, 16, 5, 5], 1));
      expect(small.shape).toEqual([1, 16, 3, 3]);
    } finally {
      await model.dispose();
    }
  });

  it('rejects bad options and bad input with typed errors', async () => {
    expect(
      await code(
        webgpuAdapter.compile(block, blockWeights, {
          backend: 'f32',
          limits: { maxBufferSize: -1 },
        } as never),
      ),
    ).toBe('INVALID_CONTRACT');
    expect(
      await code(
        webgpuAdapter.compile(block, blockWeights, {
          backend: 'f32',
          tiles: { stem: { tm: 64, tn: 64, tk: 16, rm: 1, rn: 4 } },
        } as never),
      ),
    ).toBe('INVALID_CONTRACT');
    expect(
      await code(webgpuAdapter.compile(block, blockWeights, { backend: 'f32', subgroups: 'yes' } as never)),
    ).toBe('INVALID_CONTRACT');
    expect(await code(webgpuAdapter.compile(block, blockWeights, { backend: 'f64' }))).toBe(
      'UNKNOWN_BACKEND',
    );
    if (!probe.available) return;
    const model = await webgpuAdapter.compile(block, blockWeights, { backend: 'f32' });
    try {
      expect(await code(model.run(seededInput([1, 15, 9, 9], 1)))).toBe('INPUT_SHAPE');
      expect(await code(model.run({ shape: [1, 16, 9, 9], data: new Float32Array(5) }))).toBe('INPUT_SHAPE');
    } finally {
      await model.dispose();
    }
    expect(await code(model.run(seededInput([1, 16, 9, 9], 1)))).toBe('DISPOSED');
  });
});

import { benchModel } from '@resblocks/conformance';
import {
  type CompiledModel,
  initWeights,
  isResblocksError,
  networkGraph,
  referenceAdapter,
  requestWebGpuAdapter,
  seededInput,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';

const probe = await webgpuAdapter.probe('f32');
// GPUBufferUsage bits (the globals exist only once Dawn is loaded).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 3);
const x = seededInput([3, 3, 16, 16], 3);

function gpuOf(model: CompiledModel): { device: GPUDevice; run: NonNullable<CompiledModel['gpu']>['run'] } {
  expect(model.gpu, 'model.gpu').toBeDefined();
  return { device: model.gpu!.device as GPUDevice, run: model.gpu!.run };
}

function upload(device: GPUDevice, data: Float32Array, usage = STORAGE | COPY_DST): GPUBuffer {
  const buffer = device.createBuffer({ size: data.byteLength, usage });
  device.queue.writeBuffer(buffer, 0, data as Float32Array<ArrayBuffer>);
  return buffer;
}

async function download(device: GPUDevice, buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const read = device.createBuffer({ size: floats * 4, usage: MAP_READ | COPY_DST });
  const e = device.createCommandEncoder();
  e.copyBufferToBuffer(buffer, 0, read, 0, floats * 4);
  device.queue.submit([e.finish()]);
  await read.mapAsync(MAP_READ);
  const out = new Float32Array(read.getMappedRange().slice(0));
  read.destroy();
  return out;
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

describe.skipIf(!probe.available)('GPU tensors in and out of run()', () => {
  for (const backend of ['f32', 'f16'] as const) {
    it(`webgpu:${backend}: a GPU input and a GPU output give the CPU path's values, bit for bit`, async () => {
      const model = await webgpuAdapter.compile(graph, weights, { backend });
      try {
        const { device, run } = gpuOf(model);
        const cpu = await model.run(x);
        const input = upload(device, x.data);
        const y = await run({ shape: x.shape, buffer: input }, { output: 'gpu' });
        expect(y.shape).toEqual(cpu.shape);
        expect((model.info() as { lastRun: unknown }).lastRun).toMatchObject({
          input: 'gpu',
          output: 'gpu',
          submits: 1,
          passes: 1,
        });
        expect(await download(device, y.buffer as GPUBuffer, cpu.data.length)).toEqual(cpu.data);
        // Either side alone.
        const gpuIn = await run({ shape: x.shape, buffer: input });
        expect(gpuIn.data).toEqual(cpu.data);
        const gpuOut = await run(x, { output: 'gpu' });
        expect(await download(device, gpuOut.buffer as GPUBuffer, cpu.data.length)).toEqual(cpu.data);
        // The returned buffers are the caller's: resources() counts what the model holds.
        const held = await webgpuAdapter.resources(backend);
        y.buffer.destroy();
        gpuOut.buffer.destroy();
        expect(await webgpuAdapter.resources(backend)).toEqual(held);
        input.destroy();
      } finally {
        await model.dispose();
      }
    });
  }

  it('sub-batches read and write the right samples of the GPU tensors', async () => {
    const big = seededInput([5, 3, 64, 64], 4);
    const whole = await webgpuAdapter.compile(graph, weights, { backend: 'f32' });
    // One 64x64 image's largest value (16 channels at 64x64, f32): 256 KiB; two fit.
    const split = await webgpuAdapter.compile(graph, weights, {
      backend: 'f32',
      limits: { maxStorageBufferBindingSize: 2 * 16 * 64 * 64 * 4 },
    } as never);
    try {
      const expected = (await whole.run(big)).data;
      const { device, run } = gpuOf(split);
      const input = upload(device, big.data);
      const y = await run({ shape: big.shape, buffer: input }, { output: 'gpu' });
      expect((split.info() as { lastRun: unknown }).lastRun).toMatchObject({ subBatches: 3, submits: 3 });
      expect(await download(device, y.buffer as GPUBuffer, expected.length)).toEqual(expected);
      y.buffer.destroy();
      input.destroy();
    } finally {
      await whole.dispose();
      await split.dispose();
    }
  });

  it('a buffer the device cannot use, or a backend without GPU tensors, is a typed error', async () => {
    const model = await webgpuAdapter.compile(graph, weights, { backend: 'f32' });
    const reference = await referenceAdapter.compile(graph, weights, { backend: 'float64' });
    try {
      const { device, run } = gpuOf(model);
      const noStorage = upload(device, x.data, COPY_SRC | COPY_DST);
      expect(await code(run({ shape: x.shape, buffer: noStorage }))).toBe('INPUT_DEVICE');
      await expect(run({ shape: x.shape, buffer: noStorage })).rejects.toThrow(/STORAGE/);
      const small = upload(device, x.data.subarray(0, 100));
      expect(await code(run({ shape: x.shape, buffer: small }))).toBe('INPUT_SHAPE');
      expect(await code(run({ shape: [3, 4, 16, 16], buffer: upload(device, x.data) }))).toBe('INPUT_SHAPE');
      expect(await code(run({ shape: x.shape, buffer: {} as never }))).toBe('INPUT_DEVICE');
      // A buffer of another device: WebGPU refuses to bind it, and the run says why.
      const { adapter } = await requestWebGpuAdapter();
      const other = await (adapter as GPUAdapter).requestDevice();
      const foreign = upload(other, x.data);
      expect(await code(run({ shape: x.shape, buffer: foreign }))).toBe('INPUT_DEVICE');
      await expect(run({ shape: x.shape, buffer: foreign })).rejects.toThrow(/model\.gpu\.device/);
      other.destroy();
      // The model still runs after each refusal.
      expect((await model.run(x)).shape).toEqual([3, 10]);
      expect(await code(run(x, { output: 'gpu', trace: true }))).toBe('UNKNOWN_NODE');
      // run() itself stays on the CPU, and says where GPU tensors go.
      expect(await code(model.run({ shape: x.shape, buffer: upload(device, x.data) } as never))).toBe(
        'INVALID_CONTRACT',
      );
      expect(await code(run(x, { output: 'disk' } as never))).toBe('INVALID_CONTRACT');
      expect(await code(model.run(x, { output: 'gpu' } as never))).toBe('INVALID_CONTRACT');
      expect(reference.gpu).toBeUndefined();
      expect(await code(reference.run({ shape: x.shape, buffer: upload(device, x.data) } as never))).toBe(
        'BACKEND_UNAVAILABLE',
      );
      expect(await code(reference.run(x, { output: 'gpu' } as never))).toBe('BACKEND_UNAVAILABLE');
      for (const b of [noStorage, small]) b.destroy();
    } finally {
      await model.dispose();
      await reference.dispose();
    }
  });

  it('a traced run keeps its values on the CPU: trace with a GPU output is refused', async () => {
    const model = await webgpuAdapter.compile(graph, weights, { backend: 'f32', trace: true });
    try {
      const { device, run } = gpuOf(model);
      expect(await code(run(x, { output: 'gpu' }))).toBe('INVALID_CONTRACT');
      // A GPU input traces as a CPU one does.
      const cpu = await model.run(x);
      const gpu = await run({ shape: x.shape, buffer: upload(device, x.data) });
      expect(gpu.data).toEqual(cpu.data);
      expect(gpu.trace?.map((t) => t.node)).toEqual(cpu.trace?.map((t) => t.node));
      expect(gpu.trace?.at(-1)?.data).toEqual(cpu.trace?.at(-1)?.data);
    } finally {
      await model.dispose();
    }
  });

  it("benchModel times the GPU-tensor path (io: 'gpu'), and says why a backend has none", async () => {
    const options = { batch: 2, size: 16, warmup: 1, iterations: 2, io: 'gpu' } as const;
    const r = await benchModel(webgpuAdapter, 'f32', graph, weights, options);
    expect(r.io).toBe('gpu');
    expect(r.samplesMs).toHaveLength(2);
    expect((r.info as { lastRun: unknown }).lastRun).toMatchObject({ input: 'gpu', output: 'gpu' });
    await expect(benchModel(referenceAdapter, 'float64', graph, weights, options)).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/no GPU tensors \(the float64 reference runs in CPU memory\)/),
    });
    expect(await webgpuAdapter.resources('f32')).toMatchObject({ models: 0, buffers: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { ensureNodeWebGPU, type NodeWebGPU, probeNodeWebGPU } from '../src/platform/node-webgpu.js';

// With CI=true a missing adapter fails; elsewhere the tests skip and say why in their names.
const probe = await probeNodeWebGPU();
const ci = process.env.CI === 'true';
const skip = !probe.ok && !ci;
const why = probe.ok || ci ? '' : ` (skipped: ${probe.reason})`;
const isSwiftShader = (g: NodeWebGPU) =>
  /swiftshader/i.test(`${g.architecture} ${g.description} ${g.device}`);

/** The few WebGPU calls used below, typed structurally (the spec compiles without WebGPU types). */
interface MiniBuffer {
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
interface MiniDevice {
  createBuffer(d: { size: number; usage: number }): MiniBuffer;
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: unknown): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: unknown): unknown;
  createCommandEncoder(): {
    beginComputePass(): {
      setPipeline(p: unknown): void;
      setBindGroup(i: number, g: unknown): void;
      dispatchWorkgroups(n: number): void;
      end(): void;
    };
    copyBufferToBuffer(a: MiniBuffer, ao: number, b: MiniBuffer, bo: number, n: number): void;
    finish(): unknown;
  };
  queue: { submit(c: unknown[]): void };
  destroy(): void;
}
interface WebGPUGlobals {
  navigator: { gpu: { requestAdapter(): Promise<{ requestDevice(): Promise<MiniDevice> } | null> } };
  GPUBufferUsage: Record<'STORAGE' | 'COPY_SRC' | 'COPY_DST' | 'MAP_READ', number>;
  GPUMapMode: Record<'READ', number>;
}

describe('ensureNodeWebGPU', () => {
  it.skipIf(skip)(`finds a WebGPU adapter and installs navigator.gpu${why}`, async () => {
    if (!probe.ok) expect.fail(`CI=true but no WebGPU adapter: ${probe.reason}`);
    const gpu = await ensureNodeWebGPU();
    expect(await ensureNodeWebGPU()).toBe(gpu);
    const g = globalThis as unknown as WebGPUGlobals;
    expect(await g.navigator.gpu.requestAdapter()).not.toBeNull();
    expect(g.GPUBufferUsage.STORAGE).toBeTypeOf('number');
    for (const k of ['vendor', 'architecture', 'device', 'description'] as const)
      expect(gpu[k]).toBeTypeOf('string');
    if (/swiftshader|llvmpipe|lavapipe/i.test(`${gpu.architecture} ${gpu.description} ${gpu.device}`))
      expect(gpu.software).toBe(true);
  });

  const swift = probe.ok && isSwiftShader(probe.gpu);
  it.skipIf(!swift)(
    `reports SwiftShader as software${swift ? '' : ' (skipped: the adapter here is not SwiftShader)'}`,
    () => {
      expect(probe.ok && probe.gpu.software).toBe(true);
    },
  );

  it.skipIf(skip)(`a device from the adapter runs a compute shader${why}`, async () => {
    await ensureNodeWebGPU();
    const g = globalThis as unknown as WebGPUGlobals;
    const device = await (await g.navigator.gpu.requestAdapter())!.requestDevice();
    const U = g.GPUBufferUsage;
    const buf = device.createBuffer({ size: 16, usage: U.STORAGE | U.COPY_SRC });
    const read = device.createBuffer({ size: 16, usage: U.MAP_READ | U.COPY_DST });
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read_write> v: array<f32, 4>;
             @compute @workgroup_size(4) fn main(@builtin(local_invocation_index) i: u32) { v[i] = f32(i) * 1.5; }`,
    });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: buf } }],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(buf, 0, read, 0, 16);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(g.GPUMapMode.READ);
    expect(Array.from(new Float32Array(read.getMappedRange().slice(0)))).toEqual([0, 1.5, 3, 4.5]);
    read.unmap();
    device.destroy();
  });
});

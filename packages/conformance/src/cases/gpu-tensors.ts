import { isResblocksError, runReference, seededInput, sizeOf } from '@resblocks/spec';
import { CaseFailure, expectClose } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

/** What these cases use of WebGPU (structural: the suite does not depend on WebGPU's types). */
interface Device {
  createBuffer(d: { size: number; usage: number }): Buffer;
  createCommandEncoder(): {
    copyBufferToBuffer(a: Buffer, ao: number, b: Buffer, bo: number, size: number): void;
    finish(): unknown;
  };
  readonly queue: {
    writeBuffer(b: Buffer, offset: number, data: Float32Array): void;
    submit(c: unknown[]): void;
  };
}
interface Buffer {
  readonly size: number;
  readonly usage: number;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  destroy(): void;
}
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

function upload(device: Device, data: Float32Array, usage: number): Buffer {
  const b = device.createBuffer({ size: data.byteLength, usage });
  device.queue.writeBuffer(b, 0, data);
  return b;
}

async function download(device: Device, buffer: Buffer, floats: number): Promise<Float32Array> {
  const read = device.createBuffer({ size: floats * 4, usage: MAP_READ | COPY_DST });
  const e = device.createCommandEncoder();
  e.copyBufferToBuffer(buffer, 0, read, 0, floats * 4);
  device.queue.submit([e.finish()]);
  await read.mapAsync(MAP_READ);
  const out = new Float32Array(read.getMappedRange().slice(0));
  read.destroy();
  return out;
}

export const gpuTensorsGroup: CaseGroup = {
  name: 'gpu-tensors',
  cases: () => [
    {
      id: 'gpu-tensors/round-trip',
      group: 'gpu-tensors',
      capability: 'gpuTensors',
      async run(ctx) {
        // A GpuTensor in, the output kept on the device: within budget and the same as run() gives;
        // a buffer without STORAGE usage refused with INPUT_DEVICE.
        const { graph, weights } = probeBlock();
        const x = seededInput([2, graph.inChannels, 9, 7], 23);
        return withProbe(ctx, async (m) => {
          if (!m.gpu) throw new CaseFailure('gpuTensors is claimed but the compiled model has no gpu runs');
          const device = m.gpu.device as Device;
          const cpu = await m.run(x);
          const input = upload(device, x.data, STORAGE | COPY_DST);
          const bare = upload(device, x.data, COPY_SRC | COPY_DST);
          try {
            const y = await m.gpu.run({ shape: x.shape, buffer: input }, { output: 'gpu' });
            const data = await download(device, y.buffer as Buffer, sizeOf(y.shape));
            y.buffer.destroy();
            const fraction = expectClose(
              ctx,
              graph,
              { shape: y.shape, data },
              runReference(graph, weights, x),
            );
            const diff = data.findIndex((v, i) => !Object.is(v, cpu.data[i]));
            if (diff >= 0)
              throw new CaseFailure(
                `the GPU path differs from run() at ${diff}: ${data[diff]} vs ${cpu.data[diff]}`,
              );
            try {
              await m.gpu.run({ shape: x.shape, buffer: bare });
            } catch (e) {
              if (isResblocksError(e) && e.code === 'INPUT_DEVICE') return { fraction };
              throw new CaseFailure(
                `a buffer without STORAGE usage: expected INPUT_DEVICE, got ${String(e)}`,
              );
            }
            throw new CaseFailure('a buffer without STORAGE usage was accepted');
          } finally {
            input.destroy();
            bare.destroy();
          }
        });
      },
    },
  ],
};

import { blockContract, initWeights, lowerBlock, requestWebGpuAdapter, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';

// Installs navigator.gpu and Dawn's GPU* classes; then every device the engine asks for is seen here.
const devices: GPUDevice[] = [];
const installed = await requestWebGpuAdapter().then(
  () => true,
  () => false,
);
if (installed) {
  const proto = (globalThis as unknown as { GPUAdapter: { prototype: GPUAdapter } }).GPUAdapter.prototype;
  const request = proto.requestDevice;
  proto.requestDevice = async function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
    const device = await request.call(this, d);
    devices.push(device);
    return device;
  };
}
const probe = await webgpuAdapter.probe('f32');

describe('webgpu:f32 after its GPU device is destroyed', () => {
  it.skipIf(!probe.available && !CI)(
    'rejects with DEVICE_LOST, then compiles afresh on a new device with the same results',
    async () => {
      expect(probe.available, probe.reason).toBe(true);
      const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'lost');
      const weights = initWeights(graph, 1);
      const x = seededInput([1, 4, 5, 5], 1);
      const model = await webgpuAdapter.compile(graph, weights, { backend: 'f32' });
      const expected = (await model.run(x)).data;
      expect(devices).toHaveLength(1);
      devices[0]!.destroy();
      // Dawn resolves device.lost on a later turn.
      await new Promise((r) => setTimeout(r, 50));
      await expect(model.run(x)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
      await expect(model.run(x)).rejects.toThrow(/compile the model again/);
      await model.dispose();
      const again = await webgpuAdapter.compile(graph, weights, { backend: 'f32' });
      try {
        expect(devices).toHaveLength(2);
        expect((await again.run(x)).data).toEqual(expected);
      } finally {
        await again.dispose();
      }
    },
  );
});

import type { KernelInstance, KernelShortcut, WebGPUContext } from './gpujs-api.js';

/** Live kernels this adapter built, per backend. */
const live = new Map<string, Set<KernelShortcut>>();

function kernels(backend: string): Set<KernelShortcut> {
  let e = live.get(backend);
  if (!e) {
    e = new Set();
    live.set(backend, e);
  }
  return e;
}

export const counters = {
  kernelCreated: (b: string, k: KernelShortcut) => void kernels(b).add(k),
  kernelDestroyed: (b: string, k: KernelShortcut) => void kernels(b).delete(k),
};

/**
 * GPU buffers a built WebGPU kernel holds: params uniform, argument uploads, constant (weight)
 * buffers, its output and its readback staging pool. Read from gpu.js kernel state; 0 elsewhere.
 */
export function kernelBuffers(k: KernelInstance): number {
  let n = 0;
  if (k.paramsBuffer) n++;
  if (k.outputBuffer) n++;
  n += k.constantBuffers?.length ?? 0;
  n += k.stagingPool?.length ?? 0;
  for (const a of k.paramsLayout?.arrayArgs ?? []) if (a.buffer) n++;
  return n;
}

/** The engine's live counters for resources(): kernels, and on webgpu the GPU buffers they hold. */
export function snapshot(backend: string): Record<string, number> {
  const e = kernels(backend);
  if (backend !== 'webgpu') return { kernels: e.size };
  let buffers = 0;
  for (const k of e) buffers += kernelBuffers(k.kernel);
  return { kernels: e.size, buffers };
}

/** Submits and buffer writes seen on one WebGPU queue since it was first counted. */
export interface QueueCounts {
  submits: number;
  writes: number;
}

const queues = new WeakMap<object, QueueCounts>();

/**
 * Counts what really reaches the device's queue (gpu.js submits once per kernel call and writes
 * each call's parameters): the queue's own `submit` and `writeBuffer` are wrapped once.
 */
export function queueCounts(device: WebGPUContext['device']): QueueCounts {
  const queue = device.queue as Record<'submit' | 'writeBuffer', (...a: unknown[]) => unknown>;
  let c = queues.get(queue);
  if (!c) {
    const counts: QueueCounts = { submits: 0, writes: 0 };
    const { submit, writeBuffer } = queue;
    queue.submit = function (this: unknown, ...a: unknown[]) {
      counts.submits++;
      return submit.apply(this, a);
    };
    queue.writeBuffer = function (this: unknown, ...a: unknown[]) {
      counts.writes++;
      return writeBuffer.apply(this, a);
    };
    queues.set(queue, counts);
    c = counts;
  }
  return c;
}

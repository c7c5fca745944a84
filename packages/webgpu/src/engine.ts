import { ResblocksError, requestWebGpuAdapter, type WebGpuAdapterInfo } from '@resblocks/spec';
import type { KernelSource, Precision } from './kernels.js';
import { lookupTable, type TileTable } from './tables.js';

export type { PlanLimits };

import type { PlanLimits } from './plan.js';

/** An opened backend: one device, its pipelines, and its tile table. */
export interface Engine {
  readonly backend: 'f32' | 'f16';
  readonly precision: Precision;
  readonly device: GPUDevice;
  readonly adapter: WebGpuAdapterInfo;
  readonly features: {
    readonly subgroups: boolean;
    readonly shaderF16: boolean;
    readonly timestampQuery: boolean;
  };
  readonly limits: PlanLimits;
  readonly table: TileTable;
  readonly tableFile?: string;
  /** Set once the device is lost (destroyed, a driver reset): the reason. */
  lost?: string;
}

/** Live resources of every engine, for resources(). */
export const live = { buffers: 0, bytes: 0 };

/** Compiled pipelines per device, shared by every model on it (SwiftShader compiles each on the CPU). */
const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function pipelinesOn(device: GPUDevice): number {
  return pipelineCache.get(device)?.size ?? 0;
}

export function pipelineFor(engine: Engine, kernel: KernelSource): GPUComputePipeline {
  let cache = pipelineCache.get(engine.device);
  if (!cache) {
    cache = new Map();
    pipelineCache.set(engine.device, cache);
  }
  let p = cache.get(kernel.code);
  if (!p) {
    const module = engine.device.createShaderModule({ code: kernel.code, label: kernel.label });
    p = engine.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: kernel.label,
    });
    cache.set(kernel.code, p);
  }
  return p;
}

export function createBuffer(engine: Engine, size: number, usage: number, label?: string): GPUBuffer {
  const buffer = engine.device.createBuffer({ size, usage, ...(label ? { label } : {}) });
  live.buffers++;
  live.bytes += size;
  return buffer;
}

export function destroyBuffer(buffer: GPUBuffer): void {
  live.buffers--;
  live.bytes -= buffer.size;
  buffer.destroy();
}

export function deviceLost(engine: Engine): ResblocksError {
  return new ResblocksError(
    'DEVICE_LOST',
    `webgpu:${engine.backend} lost its GPU device (${engine.lost ?? 'lost'}); compile the model again to run on a fresh device`,
    { backend: `webgpu:${engine.backend}` },
  );
}

interface AdapterLike {
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(d?: GPUDeviceDescriptor): Promise<GPUDevice>;
}

/** Opens a device with the adapter's largest buffer limits and the optional features it offers. */
export async function openEngine(backend: 'f32' | 'f16'): Promise<Engine> {
  const { adapter: a, info } = await requestWebGpuAdapter();
  const adapter = a as AdapterLike;
  const wanted = ['subgroups', 'shader-f16', 'timestamp-query'].filter((f) => adapter.features.has(f));
  const limits = {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize!,
    maxBufferSize: adapter.limits.maxBufferSize!,
    maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension!,
  };
  const device = await adapter.requestDevice({
    requiredFeatures: wanted as GPUFeatureName[],
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  });
  const { table, file, problem } = await lookupTable(info.vendor, info.architecture);
  if (problem) throw new Error(`the tile table for this adapter is broken: ${problem}`);
  const engine: Engine = {
    backend,
    precision: backend,
    device,
    adapter: info,
    features: {
      subgroups: device.features.has('subgroups'),
      shaderF16: device.features.has('shader-f16'),
      timestampQuery: device.features.has('timestamp-query'),
    },
    limits: {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
    },
    table,
    ...(file ? { tableFile: file } : {}),
  };
  void device.lost.then((l) => {
    engine.lost = l.message || l.reason || 'lost';
  });
  return engine;
}

import {
  availableCores,
  describeError,
  isNode,
  ResblocksError,
  requestWebGpuAdapter,
  SerialQueue,
  type WebGpuAdapterInfo,
} from '@resblocks/spec';
import type * as OrtModule from 'onnxruntime-web';
import { keepAlive, patchWriteBuffer } from './dawn.js';
import { nodeTieringWindow } from './tiering.js';

export type Ort = typeof OrtModule;
export type EpName = 'wasm' | 'webgpu';

/** The parts of a GPUDevice the adapter uses. */
export interface GpuDevice {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  readonly queue: { writeBuffer(buffer: unknown, offset: number, data: ArrayBufferView): void };
  createBuffer(descriptor: { size: number; usage: number }): { destroy(): void };
}

/** One loaded onnxruntime-web build, set up for one execution provider. */
export interface Runtime {
  readonly ep: EpName;
  readonly ort: Ort;
  /** Threads asked for on the wasm side, and why they are limited where they are. */
  readonly threads: { readonly requested: number; readonly note?: string };
  readonly gpu?: WebGpuAdapterInfo;
  /** WebGPU through dawn.node, with the workarounds of dawn.ts applied. */
  readonly dawn: boolean;
  /** A device of the adapter's own, given to sessions because ORT's was lost under a live model. */
  readonly ownDevice?: GpuDevice;
  /** Runs engine work, keeping the event loop alive where dawn.node needs it. */
  guard<T>(work: () => Promise<T>): Promise<T>;
  /** Session creation: one at a time (ORT's WebGPU EP registers its device per creation). */
  guardCreate<T>(work: () => Promise<T>): Promise<T>;
  /** The WebGPU device new sessions run on, once one exists. */
  device(): GpuDevice | undefined;
}

/** Loads the onnxruntime-web build of an execution provider, or throws an Error saying why it cannot. */
export async function loadRuntime(ep: EpName): Promise<Runtime> {
  let gpu: Awaited<ReturnType<typeof requestWebGpuAdapter>> | undefined;
  if (ep === 'webgpu') {
    try {
      gpu = await requestWebGpuAdapter();
    } catch (e) {
      throw new Error(`no WebGPU adapter: ${describeError(e)}`);
    }
  }
  const dawn = !!gpu && isNode() && patchWriteBuffer();
  let ort: Ort;
  const module = ep === 'wasm' ? 'onnxruntime-web' : 'onnxruntime-web/webgpu';
  try {
    // Literal specifiers, so bundlers see both builds.
    ort = (await (ep === 'wasm' ? import('onnxruntime-web') : import('onnxruntime-web/webgpu'))) as Ort;
  } catch (e) {
    throw new Error(`cannot load ${module}: ${describeError(e)}`);
  }
  // In Node the WebGPU build cannot start its wasm worker threads (it fetches the worker script,
  // which fails for file URLs), so its wasm side runs single-threaded there; GPU work is unaffected.
  const single = ep === 'webgpu' && isNode();
  const requested = single ? 1 : await availableCores();
  // Read before the first session: ORT initialises its wasm (and thread pool) once.
  ort.env.wasm.numThreads = requested;
  const guard: Runtime['guard'] = dawn ? keepAlive : (work) => work();
  const rt: Runtime = {
    ep,
    ort,
    threads: {
      requested,
      ...(single
        ? { note: `${module} cannot start wasm worker threads in Node; its wasm side is single-threaded` }
        : {}),
    },
    dawn,
    guard,
    guardCreate: guard,
    device: () => undefined,
  };
  if (!gpu) return rt;
  // Hand ORT the adapter whose info is reported, so info() describes what really ran.
  (ort.env.webgpu as { adapter?: unknown }).adapter = gpu.adapter;
  const ownDevice = await replaceLostDevice(ort, gpu.adapter);
  // ORT compiles and starts its wasm in the first session creation: only that one needs the window.
  let tiering = isNode() ? await nodeTieringWindow() : undefined;
  const creating = new SerialQueue();
  return {
    ...rt,
    gpu: gpu.info,
    ...(ownDevice ? { ownDevice } : {}),
    guardCreate: (work) =>
      creating.push(() => {
        const window = tiering;
        tiering = undefined;
        return guard(window ? () => window(work) : work);
      }),
    device: () => ownDevice ?? webgpuDevice(ort),
  };
}

/** Models running on each device, and the error of each device lost while some did. */
const users = new Map<GpuDevice, number>();
const lostDevices = new WeakMap<GpuDevice, ResblocksError>();

/**
 * Counts a model on `device` until the returned function is called. ORT destroys its own device
 * once no session uses it, so only a loss while a model still runs on the device counts as lost.
 */
export function useDevice(device: GpuDevice): () => void {
  const n = users.get(device) ?? 0;
  users.set(device, n + 1);
  if (n === 0) {
    void device.lost.then((info) => {
      if (!users.get(device)) return;
      const why = `${info?.reason ?? 'unknown'}${info?.message ? `: ${info.message}` : ''}`;
      lostDevices.set(
        device,
        new ResblocksError(
          'DEVICE_LOST',
          `onnx-web:webgpu lost its GPU device (${why}); compile the model again`,
          { backend: 'onnx-web:webgpu', reason: info?.reason },
        ),
      );
    });
  }
  return () => {
    const left = (users.get(device) ?? 1) - 1;
    left > 0 ? users.set(device, left) : users.delete(device);
  };
}

/** The DEVICE_LOST error of a device lost under a model, if it was. */
export function deviceLost(device: GpuDevice | undefined): ResblocksError | undefined {
  return device && lostDevices.get(device);
}

/**
 * ORT makes a new device once every session on a lost one is released; while a model still holds
 * one, ORT would put new sessions on the lost device too, so they get a device of ours.
 */
async function replaceLostDevice(ort: Ort, adapter: unknown): Promise<GpuDevice | undefined> {
  const current = webgpuDevice(ort);
  if (!current || !deviceLost(current) || !users.has(current)) return undefined;
  const a = adapter as {
    limits: Record<string, number>;
    features: Iterable<string>;
    requestDevice(d: {
      requiredLimits: Record<string, number>;
      requiredFeatures: string[];
    }): Promise<GpuDevice>;
  };
  // Everything the adapter offers, as ORT asks for its own device (it needs large buffers).
  const requiredLimits: Record<string, number> = {};
  for (const k in a.limits) if (typeof a.limits[k] === 'number') requiredLimits[k] = a.limits[k];
  return a.requestDevice({ requiredLimits, requiredFeatures: [...a.features] });
}

/**
 * Whether the WebGPU EP really owns a GPU device. ORT sets env.webgpu.device when its WebGPU EP
 * initialises; a session that silently ran on wasm would leave it unset.
 */
export function webgpuDevice(ort: Ort): GpuDevice | undefined {
  const device = (ort.env.webgpu as { device?: unknown }).device;
  const ctor = (globalThis as { GPUDevice?: new () => unknown }).GPUDevice;
  if (!device || (ctor && !(device instanceof ctor))) return undefined;
  return device as GpuDevice;
}

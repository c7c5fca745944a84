import { INPUT_NAME } from '@resblocks/onnx';
import {
  type EngineModel,
  formatShape,
  ResblocksError,
  type RunContext,
  type Tensor,
  type TracedEngineOutput,
} from '@resblocks/spec';
import { DEFAULT_SETTINGS, type SessionSettings } from './options.js';
import { deviceLost, type EpName, type GpuDevice, type Runtime, useDevice } from './runtime.js';

export type Session = Awaited<ReturnType<Runtime['ort']['InferenceSession']['create']>>;

/** Live sessions per execution provider, for resources(). */
export const liveSessions: Record<EpName, number> = { wasm: 0, webgpu: 0 };

/**
 * Creates a session on exactly the requested EP. WebGPU sessions disable ORT's per-node CPU
 * fallback, so a node the WebGPU EP cannot take fails the creation instead of running on wasm.
 */
export async function createSession(
  rt: Runtime,
  bytes: Uint8Array,
  settings: SessionSettings = DEFAULT_SETTINGS,
  forceCpuNodeNames?: string[],
): Promise<Session> {
  const shape = settings.inputShape;
  const webgpu = {
    name: 'webgpu',
    preferredLayout: settings.layout,
    ...(rt.ownDevice ? { device: rt.ownDevice } : {}),
    ...(forceCpuNodeNames ? { forceCpuNodeNames } : {}),
  };
  const session = await rt.guardCreate(() =>
    rt.ort.InferenceSession.create(bytes, {
      executionProviders: [rt.ep === 'webgpu' ? webgpu : 'wasm'],
      graphOptimizationLevel: settings.graphOptimization,
      ...(shape ? { freeDimensionOverrides: { batch: shape[0], height: shape[2], width: shape[3] } } : {}),
      ...(settings.graphCapture ? { enableGraphCapture: true, preferredOutputLocation: 'gpu-buffer' } : {}),
      ...(rt.ep === 'webgpu' ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
    }),
  );
  if (rt.ep === 'webgpu' && !rt.device()) {
    await rt.guard(() => session.release());
    throw new Error(
      'onnxruntime-web created the session but its WebGPU EP holds no GPUDevice (it would run on wasm)',
    );
  }
  return session;
}

/** GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST: an input ORT reads and the adapter writes. */
const INPUT_USAGE = 0x80 | 0x04 | 0x08;

/** One InferenceSession of the exported graph; the adapter kit checks inputs and outputs around it. */
export class OnnxWebModel implements EngineModel {
  /** WebGPU: the device the session runs on, counted while the model lives. */
  private readonly device: GpuDevice | undefined;
  private readonly unuse: (() => void) | undefined;
  /** Graph capture: the input buffer the captured commands read, written before each replay. */
  private readonly input?: { buffer: { destroy(): void }; feed: unknown };

  constructor(
    private readonly rt: Runtime,
    private readonly session: Session,
    private readonly settings: SessionSettings,
    private readonly details: Record<string, unknown>,
  ) {
    liveSessions[rt.ep]++;
    this.device = rt.device();
    this.unuse = this.device && useDevice(this.device);
    const shape = settings.inputShape;
    if (this.device && settings.graphCapture && shape) {
      const buffer = this.device.createBuffer({ size: shape.reduce((a, b) => a * b, 4), usage: INPUT_USAGE });
      this.input = {
        buffer,
        feed: rt.ort.Tensor.fromGpuBuffer(buffer as never, { dataType: 'float32', dims: shape }),
      };
    }
  }

  async run(input: Tensor, { trace }: RunContext): Promise<Tensor | TracedEngineOutput> {
    const { rt, session, device } = this;
    const lost = deviceLost(device);
    if (lost) throw lost;
    const fixed = this.settings.inputShape;
    if (fixed && String(input.shape) !== String(fixed)) {
      throw new ResblocksError(
        'INPUT_SHAPE',
        `onnx-web:${rt.ep}: this model was compiled for input ${formatShape(fixed)} (inputShape), got ${formatShape(input.shape)}`,
        { expected: [...fixed], shape: [...input.shape] },
      );
    }
    if (this.input) device!.queue.writeBuffer(this.input.buffer, 0, input.data);
    const feed = this.input?.feed ?? new rt.ort.Tensor('float32', input.data, [...input.shape]);
    const [main, ...extra] = session.outputNames as [string, ...string[]];
    // The graph output is fetched under its ONNX name; the other traced values under their own.
    const traced = (trace ?? []).filter((n) => extra.includes(n));
    try {
      // Fetching only what the run returns: a traced model's other outputs cost nothing then.
      const fetches = [main, ...traced];
      const out = await rt.guard(() => session.run({ [INPUT_NAME]: feed as never }, fetches));
      const read = async (name: string): Promise<Tensor> => {
        const y = out[name]!;
        const data = (await rt.guard(() => y.getData())) as Float32Array;
        // A captured graph replays into the same output buffer: it stays with the session.
        if (!this.input) y.dispose();
        return { shape: [...y.dims], data };
      };
      const output = await read(main);
      if (!trace) return output;
      const values = new Map<string, Tensor>();
      for (const name of traced) values.set(name, await read(name));
      return { output, values };
    } catch (e) {
      throw deviceLost(device) ?? e;
    }
  }

  async release(): Promise<void> {
    liveSessions[this.rt.ep]--;
    // Before the release: ORT destroys its device when its last session goes, which is no loss.
    this.unuse?.();
    await this.rt.guard(() => this.session.release());
    this.input?.buffer.destroy();
  }

  info(): Record<string, unknown> {
    return { ...runtimeInfo(this.rt), ...this.details };
  }
}

export function runtimeInfo(rt: Runtime): Record<string, unknown> {
  // ORT lowers the thread count where threads are impossible (browsers without cross-origin isolation).
  const threads = rt.ort.env.wasm.numThreads ?? 1;
  const note =
    threads < rt.threads.requested
      ? `asked for ${rt.threads.requested}, onnxruntime-web allows ${threads} here`
      : rt.threads.note;
  return {
    // What ran: for WebGPU, only a session whose EP holds a GPUDevice counts (see createSession).
    backend: rt.ep === 'webgpu' && !rt.device() ? 'wasm' : rt.ep,
    engine: 'onnxruntime-web',
    version: rt.ort.env.versions.web,
    executionProvider: rt.ep,
    threads,
    ...(note ? { threadsNote: note } : {}),
    ...(rt.gpu ? { adapter: { ...rt.gpu } } : {}),
    ...(rt.ownDevice
      ? { device: 'a GPUDevice of the adapter (onnxruntime-web lost its own under a live model)' }
      : {}),
    ...(rt.dawn
      ? { dawnWorkarounds: ['writeBuffer copies SharedArrayBuffer data', 'event-loop keep-alive'] }
      : {}),
  };
}

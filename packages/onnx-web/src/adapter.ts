import { exportOnnx, INPUT_NAME, OPSET, probeModel } from '@resblocks/onnx';
import {
  defineAdapter,
  describeFetchStatus,
  type EngineBackend,
  isNode,
  ResblocksError,
  watchWasmFetches,
} from '@resblocks/spec';
import { type OnnxWebCompileOptions, sessionSettings, validateOptions } from './options.js';
import { type EpName, loadRuntime, type Runtime } from './runtime.js';
import { createSession, liveSessions, OnnxWebModel, runtimeInfo } from './session.js';

export const WASM_FIX =
  "serve the file at that URL (bundlers emit onnxruntime-web's .wasm when the app imports @resblocks/onnx-web), " +
  "or set env.wasm.wasmPaths on both 'onnxruntime-web' and 'onnxruntime-web/webgpu' to where it is hosted, " +
  'before the first onnx-web model (see the bundlers guide)';

/** ORT fetches and starts its wasm in the first session: a failed fetch is named with its URL and status. */
async function firstSession(rt: Runtime, bytes: Uint8Array) {
  const watch = isNode() ? undefined : watchWasmFetches(/tfjs-backend-wasm/);
  try {
    return await createSession(rt, bytes);
  } catch (e) {
    const failed = await watch?.failed();
    if (!failed) throw e;
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `onnx-web:${rt.ep} is unavailable: onnxruntime-web's WebAssembly binary ${failed.url} could not be fetched (${describeFetchStatus(failed.status)}); ${WASM_FIX}`,
      { backend: `onnx-web:${rt.ep}`, url: failed.url, status: failed.status },
      { cause: e },
    );
  }
}

/** Loads the EP's build and runs the probe model on it, so an opened backend has really run. */
async function open(ep: EpName): Promise<Runtime> {
  const rt = await loadRuntime(ep);
  const probe = probeModel();
  const session = await firstSession(rt, probe.bytes);
  const release = () => rt.guard(() => session.release());
  try {
    const x = new rt.ort.Tensor('float32', probe.input, probe.shape);
    const y = (await rt.guard(() => session.run({ [INPUT_NAME]: x }))).output?.data as Float32Array;
    if (String(y && [...y]) !== String(probe.expected))
      throw new Error(`the probe model gave ${y ? [...y] : 'nothing'}`);
  } catch (e) {
    await release();
    throw e;
  }
  const device = rt.device();
  if (!device) {
    await release();
    return rt;
  }
  // ORT keeps its WebGPU context (the device, its compiled shaders and buffer pool) only while a
  // session lives: the probe session stays open so models compiled one after another share it
  // instead of recompiling every shader. A lost device lets it go, so ORT can make a new one.
  void device.lost.then(release, release);
  return rt;
}

function engine(
  ep: EpName,
  api: 'webgpu' | 'wasm',
  description: string,
  nonFinite: true | string,
): EngineBackend<Runtime> {
  return {
    name: ep,
    api,
    environments: ['browser', 'node'],
    description,
    capabilities: {
      determinism: true,
      concurrency: true,
      nonFinite,
      resourceCounters: true,
      networks: true,
      gpuTensors:
        ep === 'webgpu'
          ? "not offered yet: onnx-web:webgpu could bind GPU buffers through ORT's IO binding"
          : `${ep} has no WebGPU buffers`,
    },
    open: () => open(ep),
    describe: (rt) => ({
      device: ep === 'wasm' ? 'cpu' : rt.gpu?.software ? 'software' : 'gpu',
      info: runtimeInfo(rt),
    }),
    async build(rt, graph, weights, { foldBatchNorm, compile, trace }) {
      const chosen = sessionSettings(compile as OnnxWebCompileOptions, graph);
      // A captured graph replays one fixed set of outputs; a traced model fetches several.
      const settings = trace.size ? { ...chosen, graphCapture: false } : chosen;
      // The kit validated the weights and folded BN already; traced values become graph outputs.
      const bytes = exportOnnx(graph, weights, { foldBatchNorm: false, extraOutputs: [...trace] });
      const started = performance.now();
      const session = await createSession(rt, bytes, settings);
      const { layout, graphCapture, ...common } = settings;
      return new OnnxWebModel(rt, session, settings, {
        opset: OPSET,
        batchNormFolded: foldBatchNorm,
        modelBytes: bytes.byteLength,
        sessionCreateMs: Math.round(performance.now() - started),
        session: ep === 'webgpu' ? settings : common,
      });
    },
  };
}

/** onnxruntime-web behind the adapter contract: `onnx-web:webgpu` and `onnx-web:wasm`. */
export const onnxWebAdapter = defineAdapter('onnx-web', {
  backends: [
    engine(
      'webgpu',
      'webgpu',
      'onnxruntime-web WebGPU execution provider (Node: Dawn through the webgpu package)',
      // Seen in the conformance suite: the WebGPU kernels turn NaN inputs into finite values.
      "onnxruntime-web's WebGPU kernels do not propagate NaN/Inf like PyTorch",
    ),
    engine(
      'wasm',
      'wasm',
      'onnxruntime-web wasm execution provider (SIMD, multi-threaded where possible)',
      true,
    ),
  ],
  // ORT does not allow overlapping run() calls on one session: the kit queues each model's runs.
  serialize: 'model',
  validateOptions,
  counters: (backend) => ({ sessions: liveSessions[backend as EpName] }),
});

/** For tests: a session whose named nodes are forced onto the CPU, to prove WebGPU creation then fails. */
export async function createWebGpuSessionForcingCpu(bytes: Uint8Array, nodes: string[]): Promise<void> {
  const rt = await loadRuntime('webgpu');
  const s = await createSession(rt, bytes, undefined, nodes);
  await rt.guard(() => s.release());
}

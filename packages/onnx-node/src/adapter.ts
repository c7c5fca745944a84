import { exportOnnx, OPSET } from '@resblocks/onnx';
import { defineAdapter, type EngineBackend, ResblocksError } from '@resblocks/spec';
import { liveSessions, OnnxNodeModel } from './model.js';
import { PROVIDERS } from './providers.js';
import { firstLine, isSoftware, type OpenedProvider, openProvider, sessionOptions } from './runtime.js';

const FALLBACK = /fallback to CPU EP has been explicitly disabled/i;

const engines: EngineBackend<OpenedProvider>[] = PROVIDERS.map((ep) => ({
  name: ep.name,
  api: ep.api,
  environments: ['node'],
  environmentNote: `onnx-node:${ep.name} runs only in Node (onnxruntime-node is a native addon); in a browser use onnx-web`,
  description: ep.description,
  capabilities: {
    determinism: true,
    concurrency: true,
    nonFinite: ep.nonFinite,
    resourceCounters: true,
    networks: true,
    gpuTensors:
      "not offered: onnxruntime-node's execution providers share no device with the caller's WebGPU",
  },
  open: () => openProvider(ep),
  describe: (p) => ({
    device: ep.name === 'cpu' ? 'cpu' : isSoftware(p) ? 'software' : 'gpu',
    info: {
      backend: ep.name,
      engine: 'onnxruntime-node',
      version: p.version,
      executionProvider: ep.ortProvider,
      ...(p.vulkanIcd ? { vulkanIcd: p.vulkanIcd } : {}),
    },
  }),
  async build(p, graph, weights, { foldBatchNorm, trace }) {
    // The kit validated the weights and folded BN already; traced values become graph outputs.
    const bytes = exportOnnx(graph, weights, { foldBatchNorm: false, extraOutputs: [...trace] });
    const started = performance.now();
    let session: Awaited<ReturnType<typeof p.ort.InferenceSession.create>>;
    try {
      session = await p.ort.InferenceSession.create(bytes, sessionOptions(ep));
    } catch (e) {
      if (!FALLBACK.test(String(e))) throw e;
      // Never a silent CPU fallback: a node the provider cannot take fails the compile.
      throw new ResblocksError(
        'BACKEND_FAILED',
        `onnx-node:${ep.name}: some nodes of '${graph.name}' cannot run on ${ep.ortProvider} and CPU fallback is off (${firstLine(e)})`,
        { backend: `onnx-node:${ep.name}`, network: graph.name },
        { cause: e },
      );
    }
    return new OnnxNodeModel(p, session, {
      opset: OPSET,
      batchNormFolded: foldBatchNorm,
      modelBytes: bytes.byteLength,
      sessionCreateMs: Math.round(performance.now() - started),
    });
  },
}));

/**
 * ONNX Runtime's native Node binding behind the adapter contract: onnx-node:cpu, cuda, dml, coreml
 * and webgpu, where the installed onnxruntime-node offers them. Never falls back silently: a probe
 * proves from ORT's own profile that its model ran on the requested provider, and sessions for a
 * provider other than cpu are created with ORT's CPU fallback off.
 */
export const onnxNodeAdapter = defineAdapter('onnx-node', {
  backends: engines,
  counters: (backend) => ({ sessions: liveSessions.get(backend) ?? 0 }),
});

import { exportOnnx, INPUT_NAME, OPSET } from '@resblocks/onnx';
import {
  type Adapter,
  type Availability,
  type BackendDescriptor,
  backendId,
  type Capabilities,
  type CompiledModel,
  checkRunInput,
  disposedError,
  type Graph,
  ResblocksError,
  type Tensor,
  type Weights,
} from '@resblocks/spec';
import { SerialQueue } from './queue.js';
import { type EpName, loadRuntime, type Runtime, webgpuDevice } from './runtime.js';

const BACKENDS: readonly BackendDescriptor[] = [
  {
    name: 'webgpu',
    api: 'webgpu',
    environments: ['browser', 'node'],
    description: 'onnxruntime-web WebGPU execution provider (Node: Dawn through the webgpu package)',
  },
  {
    name: 'wasm',
    api: 'wasm',
    environments: ['browser', 'node'],
    description: 'onnxruntime-web wasm execution provider (SIMD, multi-threaded where possible)',
  },
];

const live: Record<EpName, number> = { wasm: 0, webgpu: 0 };

function toEp(backend: string): EpName {
  if (backend === 'wasm' || backend === 'webgpu') return backend;
  throw new ResblocksError(
    'UNKNOWN_BACKEND',
    `onnx-web has no backend '${backend}' (available: ${BACKENDS.map((b) => b.name).join(', ')})`,
    { backend },
  );
}

type Session = Awaited<ReturnType<Runtime['ort']['InferenceSession']['create']>>;

/**
 * Creates a session on exactly the requested EP. WebGPU sessions disable ORT's per-node CPU
 * fallback, so a node the WebGPU EP cannot take fails the creation instead of running on wasm.
 */
async function createSession(rt: Runtime, bytes: Uint8Array, forceCpuNodeNames?: string[]): Promise<Session> {
  const { ort } = rt;
  let session: Session;
  try {
    session = await rt.guardCreate(() =>
      ort.InferenceSession.create(bytes, {
        executionProviders: [
          rt.ep === 'webgpu'
            ? { name: 'webgpu', ...(forceCpuNodeNames ? { forceCpuNodeNames } : {}) }
            : 'wasm',
        ],
        graphOptimizationLevel: 'all',
        ...(rt.ep === 'webgpu' ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
      }),
    );
  } catch (e) {
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `onnx-web:${rt.ep} could not create an onnxruntime-web session: ${(e as Error).message}`,
      { backend: `onnx-web:${rt.ep}` },
      { cause: e },
    );
  }
  if (rt.ep === 'webgpu' && !webgpuDevice(ort)) {
    await rt.guard(() => session.release());
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      'onnx-web:webgpu: onnxruntime-web created the session but its WebGPU EP holds no GPUDevice (it would run on wasm)',
      { backend: 'onnx-web:webgpu' },
    );
  }
  return session;
}

/** The threads ORT's wasm side really uses (it lowers the request where threads are impossible). */
function threadInfo(rt: Runtime): Record<string, unknown> {
  const threads = rt.ort.env.wasm.numThreads ?? 1;
  return {
    threads,
    ...(threads < rt.requestedThreads
      ? { threadsNote: `asked for ${rt.requestedThreads}, onnxruntime-web allows ${threads} here` }
      : rt.threadsNote
        ? { threadsNote: rt.threadsNote }
        : {}),
  };
}

function runtimeInfo(rt: Runtime): Record<string, unknown> {
  // What ran: for WebGPU, only a session whose EP holds a GPUDevice counts (see createSession).
  const backend = rt.ep === 'webgpu' && !webgpuDevice(rt.ort) ? 'wasm' : rt.ep;
  return {
    backend,
    engine: 'onnxruntime-web',
    version: rt.ort.env.versions.web,
    executionProvider: rt.ep,
    ...threadInfo(rt),
    ...(rt.gpu ? { adapter: rt.gpu } : {}),
    ...(rt.dawn
      ? { dawnWorkarounds: ['writeBuffer copies SharedArrayBuffer data', 'event-loop keep-alive'] }
      : {}),
  };
}

/** A one-node model, so a probe proves the EP can really create and run a session. */
function probeModel(): { graph: Graph; weights: Weights } {
  return {
    graph: {
      name: 'probe',
      input: 'x',
      inChannels: 1,
      output: 'relu',
      nodes: [{ op: 'relu', name: 'relu', inputs: ['x'] }],
      params: [],
    },
    weights: new Map(),
  };
}

const probes = new Map<EpName, Promise<Availability>>();

async function probeEp(ep: EpName): Promise<Availability> {
  try {
    const rt = await loadRuntime(ep);
    const { graph, weights } = probeModel();
    const session = await createSession(rt, exportOnnx(graph, weights));
    const x = new rt.ort.Tensor('float32', Float32Array.from([-1, 2]), [1, 1, 1, 2]);
    const out = await rt.guard(() => session.run({ [INPUT_NAME]: x }));
    const y = out.output?.data as Float32Array | undefined;
    await rt.guard(() => session.release());
    if (!y || y[0] !== 0 || y[1] !== 2) throw new Error(`probe model gave ${y ? [...y] : 'nothing'}`);
    const device = ep === 'wasm' ? 'cpu' : rt.gpu?.software ? 'software' : 'gpu';
    return { available: true, device, info: runtimeInfo(rt) };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

class OnnxWebModel implements CompiledModel {
  readonly backend;
  private session: Session | undefined;
  private readonly queue = new SerialQueue();

  constructor(
    readonly graph: Graph,
    private readonly rt: Runtime,
    session: Session,
    private readonly details: Record<string, unknown>,
  ) {
    this.backend = backendId('onnx-web', rt.ep);
    this.session = session;
  }

  async run(input: Tensor): Promise<Tensor> {
    if (!this.session) throw disposedError(this.backend);
    const shapes = checkRunInput(this.graph, input);
    const { ort } = this.rt;
    return this.queue.push(async () => {
      const session = this.session;
      if (!session) throw disposedError(this.backend);
      const x = new ort.Tensor('float32', input.data, [...input.shape]);
      const out = await this.rt.guard(() => session.run({ [INPUT_NAME]: x }));
      const y = out[session.outputNames[0]!]!;
      const data = (await y.getData()) as Float32Array;
      y.dispose();
      const expected = shapes.get(this.graph.output)!;
      const shape = [...y.dims];
      if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
        throw new ResblocksError(
          'EXPORT',
          `onnx-web:${this.rt.ep} produced shape [${shape}] where the graph gives [${expected}]`,
          { shape, expected: [...expected] },
        );
      }
      return { shape, data: data instanceof Float32Array ? data : Float32Array.from(data) };
    });
  }

  async dispose(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    await this.queue.drain();
    live[this.rt.ep]--;
    await this.rt.guard(() => session.release());
  }

  info(): Readonly<Record<string, unknown>> {
    return { ...runtimeInfo(this.rt), ...this.details };
  }
}

/** onnxruntime-web behind the adapter contract: `onnx-web:webgpu` and `onnx-web:wasm`. */
export const onnxWebAdapter: Adapter = {
  id: 'onnx-web',
  backends: BACKENDS,
  probe(backend) {
    let ep: EpName;
    try {
      ep = toEp(backend);
    } catch (e) {
      return Promise.resolve({ available: false, reason: (e as Error).message });
    }
    let p = probes.get(ep);
    if (!p) {
      p = probeEp(ep);
      probes.set(ep, p);
    }
    return p;
  },
  capabilities(backend): Capabilities {
    const ep = toEp(backend);
    return {
      determinism: true,
      concurrency: true,
      // Seen in the conformance suite: the WebGPU kernels turn NaN inputs into finite values.
      nonFinite:
        ep === 'wasm' ? true : "onnxruntime-web's WebGPU kernels do not propagate NaN/Inf like PyTorch",
      resourceCounters: true,
      networks: true,
    };
  },
  dtype(backend) {
    toEp(backend);
    return 'float32';
  },
  async compile(graph, weights, options) {
    const ep = toEp(options.backend);
    const foldBatchNorm = options.foldBatchNorm ?? true;
    // Weights are validated (typed errors) before any engine is loaded.
    const bytes = exportOnnx(graph, weights, { foldBatchNorm });
    const rt = await loadRuntime(ep);
    const started = performance.now();
    const session = await createSession(rt, bytes);
    live[ep]++;
    return new OnnxWebModel(graph, rt, session, {
      opset: OPSET,
      batchNormFolded: foldBatchNorm,
      modelBytes: bytes.byteLength,
      sessionCreateMs: Math.round(performance.now() - started),
    });
  },
  async resources(backend) {
    return { sessions: live[toEp(backend)] };
  },
};

/** For tests: a session whose named nodes are forced onto the CPU, to prove WebGPU creation then fails. */
export async function createWebGpuSessionForcingCpu(bytes: Uint8Array, nodes: string[]): Promise<void> {
  const rt = await loadRuntime('webgpu');
  const s = await createSession(rt, bytes, nodes);
  await rt.guard(() => s.release());
}

import {
  type Adapter,
  type Availability,
  type Capabilities,
  type CompiledModel,
  type CompileOptions,
  foldBatchNorm,
  type Graph,
  ResblocksError,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import {
  activate,
  activeBackend,
  BACKEND_NAMES,
  BACKENDS,
  isTfjsBackend,
  restore,
  staticUnavailability,
  type TfjsBackend,
} from './backends.js';
import { defaultGroupedStrategy, GROUPED_CONV_STRATEGIES, type GroupedConvStrategy } from './grouped.js';
import { exclusive } from './lock.js';
import { TfjsModel, wasmInfo } from './model.js';
import { buildProgram } from './program.js';
import { describeError } from './runtime.js';

export interface TfjsCompileOptions extends CompileOptions {
  /** How grouped convolutions run (default: the fastest measured for the backend). */
  readonly groupedConv?: GroupedConvStrategy;
}

function known(backend: string): TfjsBackend {
  if (!isTfjsBackend(backend)) {
    throw new ResblocksError(
      'UNKNOWN_BACKEND',
      `tfjs has no backend '${backend}'; its backends are ${BACKEND_NAMES.join(', ')}`,
      { backend },
    );
  }
  return backend;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software/i;

/** The unmasked WebGL renderer string (e.g. "ANGLE (Google, Vulkan ... SwiftShader ...)"), if the browser exposes it. */
function webglRenderer(): string | undefined {
  const doc = (globalThis as { document?: { createElement(t: string): unknown } }).document;
  const canvas = doc?.createElement('canvas') as
    | {
        getContext(t: string): {
          getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null;
          getParameter(p: number): unknown;
        } | null;
      }
    | undefined;
  const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  const r = ext ? gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL) : undefined;
  return typeof r === 'string' ? r : undefined;
}

async function probe(backend: string): Promise<Availability> {
  if (!isTfjsBackend(backend)) {
    return {
      available: false,
      reason: `tfjs has no backend '${backend}'; its backends are ${BACKEND_NAMES.join(', ')}`,
    };
  }
  const reason = staticUnavailability(backend);
  if (reason) return { available: false, reason };
  return exclusive(async () => {
    const previous = activeBackend();
    try {
      const loaded = await activate(backend);
      const info: Record<string, unknown> = { tfjs: tf.version_core, active: activeBackend() };
      let device: Availability['device'] = 'cpu';
      if (loaded.gpu) {
        info.gpu = { ...loaded.gpu };
        device = loaded.gpu.software ? 'software' : 'gpu';
      }
      if (backend === 'webgl') {
        const renderer = webglRenderer();
        info.renderer = renderer;
        // SwiftShader and llvmpipe render WebGL on the CPU: correct but slow, so not ranked as a GPU.
        device = renderer && SOFTWARE_RENDERER.test(renderer) ? 'software' : 'gpu';
        info.webglVersion = tf.env().getNumber('WEBGL_VERSION');
        info.float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
      }
      if (backend === 'wasm') info.wasm = await wasmInfo();
      if (loaded.nativePackage) {
        info.nativePackage = loaded.nativePackage;
        if (loaded.nativePackage.endsWith('-gpu')) device = 'gpu';
      }
      return { available: true, device, info };
    } catch (e) {
      return { available: false, reason: describeError(e) };
    } finally {
      await restore(previous);
    }
  });
}

/**
 * Non-finite handling was measured per kernel (test/capabilities.test.ts checks these claims both
 * ways). Max pooling skips NaN on every tfjs backend; the program pools a NaN mask to restore
 * PyTorch's behaviour. What is left cannot be fixed from outside the kernels.
 */
const NON_FINITE: Record<TfjsBackend, true | string> = {
  cpu: true,
  webgpu: true,
  wasm:
    'tfjs-backend-wasm (XNNPACK) clamps conv and average-pool outputs with min/max instructions that drop NaN: ' +
    'a NaN entering an average pool, or made inside a convolution from Inf - Inf, comes out as a number',
  webgl:
    'GLSL ES does not require shaders to preserve NaN/Inf, and tfjs:webgl cannot be checked outside a browser',
  tensorflow: 'not verified: the native TensorFlow binding cannot be installed where this adapter is tested',
};

function capabilities(backend: string): Capabilities {
  const b = known(backend);
  return {
    determinism: true,
    concurrency: true,
    nonFinite: NON_FINITE[b],
    resourceCounters: true,
    networks: true,
  };
}

async function compile(graph: Graph, weights: Weights, options: TfjsCompileOptions): Promise<CompiledModel> {
  const backend = known(options.backend);
  const fold = options.foldBatchNorm ?? true;
  if (options.groupedConv !== undefined && !GROUPED_CONV_STRATEGIES.includes(options.groupedConv)) {
    throw new ResblocksError(
      'INVALID_CONTRACT',
      `groupedConv must be one of ${GROUPED_CONV_STRATEGIES.join(', ')}, got '${options.groupedConv}'`,
      { groupedConv: options.groupedConv },
    );
  }
  const valid = validateWeights(graph, weights);
  const folded = fold ? foldBatchNorm(graph, valid) : { graph, weights: valid };
  return exclusive(async () => {
    const previous = activeBackend();
    const loaded = await activate(backend);
    try {
      const strategy = options.groupedConv ?? defaultGroupedStrategy(backend, loaded.nativePackage);
      // Weights are uploaded now, on this backend: tensors stay with the backend that made them.
      const program = buildProgram(folded.graph, folded.weights, strategy);
      const wasm = backend === 'wasm' ? await wasmInfo() : undefined;
      return new TfjsModel(graph, backend, program, loaded, {
        strategy,
        foldBatchNorm: fold,
        ...(wasm ? { wasm } : {}),
      });
    } finally {
      await restore(previous);
    }
  });
}

async function resources(backend: string): Promise<Record<string, number>> {
  known(backend);
  // Read the engine's counters directly: tf.memory() would initialise a backend if none is active.
  const state = tf.engine().state;
  return { tensors: state.numTensors, bytes: state.numBytes, dataBuffers: state.numDataBuffers };
}

export const tfjsAdapter: Adapter = {
  id: 'tfjs',
  backends: BACKENDS,
  probe,
  capabilities,
  dtype: (backend) => {
    known(backend);
    // WebGL falls back to half-float textures on devices that cannot render float32.
    if (backend === 'webgl' && tf.findBackend('webgl') && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'))
      return 'float16';
    return 'float32';
  },
  compile,
  resources,
};

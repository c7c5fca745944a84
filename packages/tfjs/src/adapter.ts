import { type CompileOptions, defineAdapter, type EngineBackend, ResblocksError } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS } from './backends.js';
import {
  backendFacts,
  type LoadedBackend,
  onBackend,
  openBackend,
  WEBGL_IN_NODE,
  wasmInfo,
} from './engine.js';
import { defaultGroupedStrategy, GROUPED_CONV_STRATEGIES, type GroupedConvStrategy } from './grouped.js';
import { TfjsModel } from './model.js';
import { buildProgram } from './program.js';

export interface TfjsCompileOptions extends CompileOptions {
  /** How grouped convolutions run (default: the fastest measured for the backend). */
  readonly groupedConv?: GroupedConvStrategy;
}

const ENVIRONMENT_NOTES: Partial<Record<string, string>> = {
  webgl: WEBGL_IN_NODE,
  tensorflow: "the 'tensorflow' backend runs only in Node (TensorFlow's native binding)",
};

const engines: EngineBackend<LoadedBackend>[] = BACKENDS.map(({ nonFinite, ...descriptor }) => ({
  ...descriptor,
  ...(ENVIRONMENT_NOTES[descriptor.name] ? { environmentNote: ENVIRONMENT_NOTES[descriptor.name] } : {}),
  capabilities: {
    determinism: true,
    concurrency: true,
    nonFinite,
    resourceCounters: true,
    networks: true,
    gpuTensors:
      descriptor.name === 'webgpu'
        ? 'not offered yet: tfjs:webgpu could wrap a GPUBuffer as a tensor; the adapter passes CPU arrays'
        : `${descriptor.name} has no WebGPU buffers`,
  },
  dtype: () =>
    // WebGL falls back to half-float textures on devices that cannot render float32.
    descriptor.name === 'webgl' &&
    tf.findBackend('webgl') &&
    !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')
      ? 'float16'
      : 'float32',
  open: () => openBackend(descriptor.name),
  describe: (loaded) => onBackend(loaded.name, () => backendFacts(loaded)),
  build: (loaded, graph, weights, { compile, trace }) =>
    onBackend(loaded.name, async () => {
      const strategy =
        (compile as TfjsCompileOptions).groupedConv ??
        defaultGroupedStrategy(loaded.name, loaded.nativePackage);
      // Weights are uploaded now, on this backend: tensors stay with the backend that made them.
      const program = buildProgram(graph, weights, strategy, trace);
      const wasm = loaded.name === 'wasm' ? await wasmInfo() : undefined;
      return new TfjsModel(loaded, program, { strategy, ...(wasm ? { wasm } : {}) });
    }),
}));

/** TensorFlow.js behind the adapter contract: webgpu, webgl, wasm, cpu and tfjs-node's tensorflow. */
export const tfjsAdapter = defineAdapter('tfjs', {
  backends: engines,
  // tfjs has one global active backend: probes, compiles and runs never interleave.
  serialize: 'adapter',
  validateOptions(options: TfjsCompileOptions) {
    if (options.groupedConv !== undefined && !GROUPED_CONV_STRATEGIES.includes(options.groupedConv)) {
      throw new ResblocksError(
        'INVALID_CONTRACT',
        `groupedConv must be one of ${GROUPED_CONV_STRATEGIES.join(', ')}, got '${options.groupedConv}'`,
        { groupedConv: options.groupedConv },
      );
    }
  },
  // Read the engine's counters directly: tf.memory() would initialise a backend if none is active.
  counters: () => {
    const state = tf.engine().state;
    return { tensors: state.numTensors, bytes: state.numBytes, dataBuffers: state.numDataBuffers };
  },
});

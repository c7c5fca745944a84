import { type CompileOptions, defineAdapter, type EngineBackend, ResblocksError } from '@resblocks/spec';
import { type Engine, live, openEngine } from './engine.js';
import type { Tile } from './kernels.js';
import { engineModel, WebGpuModel } from './model.js';
import type { PlanLimits } from './plan.js';
import { LAYER_CLASSES, tileProblem } from './tables.js';

export interface WebGpuCompileOptions extends CompileOptions {
  /**
   * Caps below the device's own limits: the plan splits a batch into sub-batches (or refuses an
   * input) as it would on a device with these limits.
   */
  readonly limits?: Partial<PlanLimits>;
  /** Tiles per layer class instead of the adapter's table (what the tuning script sweeps). */
  readonly tiles?: Partial<Record<string, Tile>>;
  /**
   * Subgroup operations in the kernels that have them: default where the device offers the
   * `subgroups` feature; false uses workgroup memory instead; true on a device without the feature
   * is refused (never a silent fallback).
   */
  readonly subgroups?: boolean;
}

/**
 * NaN and Inf, measured (test/capabilities.test.ts checks each claim both ways). f32: the kernels
 * keep IEEE semantics where WGSL lets compilers assume finite floats: ReLU is a select on v < 0
 * (NaN stays), max pooling tests NaN on the bits (SwiftShader folds v != v away). f16 storage
 * cannot hold them: pack2x16float of a value outside binary16's finite range is indeterminate.
 */
const NON_FINITE_F16 =
  "WGSL's pack2x16float gives an indeterminate value for an input outside binary16's finite range, so an Inf stored between layers can come back as NaN (seen on SwiftShader)";

function backend(name: 'f32' | 'f16'): EngineBackend<Engine> {
  return {
    name,
    api: 'webgpu',
    environments: ['node', 'browser'],
    description:
      name === 'f32'
        ? 'the network compiled to WGSL compute kernels: f32 storage and arithmetic, one pass and one submit per run'
        : 'the network compiled to WGSL compute kernels: f16 storage (packed pairs), f32 accumulation',
    capabilities: {
      determinism: true,
      concurrency: true,
      nonFinite: name === 'f32' ? true : NON_FINITE_F16,
      resourceCounters: true,
      networks: true,
      gpuTensors: true,
    },
    // Values are stored in binary16 between layers: the policy's float16 budget (2^-11 unit
    // roundoff over sqrt(K*D)) covers one rounding per stored value and per weight, the same
    // error model as f32 storage with a larger unit.
    dtype: () => (name === 'f16' ? 'float16' : 'float32'),
    open: () => openEngine(name),
    describe: (e) => ({
      device: e.adapter.software ? 'software' : 'gpu',
      info: { ...e.adapter, features: e.features, table: e.tableFile ?? 'default', storage: name },
    }),
    async build(engine, graph, weights, { compile, trace }) {
      if (engine.lost) {
        throw new ResblocksError('DEVICE_LOST', `webgpu:${name} lost its GPU device (${engine.lost})`, {
          backend: `webgpu:${name}`,
        });
      }
      const o = compile as WebGpuCompileOptions;
      if (o.subgroups === true && !engine.features.subgroups) {
        throw new ResblocksError(
          'BACKEND_UNAVAILABLE',
          `webgpu:${name}: subgroups: true, but this adapter (${engine.adapter.vendor} ${engine.adapter.architecture}) does not offer the 'subgroups' feature`,
          { backend: `webgpu:${name}`, feature: 'subgroups' },
        );
      }
      engine.device.pushErrorScope('validation');
      let model: WebGpuModel | undefined;
      let failure: unknown;
      try {
        model = new WebGpuModel(engine, graph, weights, {
          trace,
          ...(o.limits ? { limits: o.limits } : {}),
          ...(o.tiles ? { tiles: o.tiles } : {}),
          ...(o.subgroups !== undefined ? { subgroups: o.subgroups } : {}),
        });
      } catch (e) {
        failure = e;
      }
      const error = await engine.device.popErrorScope();
      if (failure || error) {
        model?.release();
        throw failure ?? new Error(`WebGPU validation while uploading weights: ${error!.message}`);
      }
      return engineModel(model!);
    },
  };
}

const BACKENDS: readonly EngineBackend<Engine>[] = [backend('f32'), backend('f16')];

/** resblocks compiled straight to WGSL: `webgpu:f32` and `webgpu:f16`. */
export const webgpuAdapter = defineAdapter('webgpu', {
  backends: BACKENDS,
  // A model owns its activation buffers and one staging buffer: its runs never overlap.
  serialize: 'model',
  // Buffers are what a model holds until disposed. The pipeline cache is shared and outlives models
  // (bounded by the layer classes), so it is in info().plan.pipelinesOnDevice, not a counter here.
  counters: () => ({ buffers: live.buffers, bufferBytes: live.bytes }),
  validateOptions(options: WebGpuCompileOptions) {
    for (const [k, v] of Object.entries(options.limits ?? {})) {
      if (
        !['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'].includes(k) ||
        !(Number.isInteger(v) && v > 0)
      )
        throw new ResblocksError(
          'INVALID_CONTRACT',
          `limits.${k} must be one of the plan's limits, a positive integer; got ${String(v)}`,
          { limit: k },
        );
    }
    if (options.subgroups !== undefined && typeof options.subgroups !== 'boolean')
      throw new ResblocksError(
        'INVALID_CONTRACT',
        `subgroups must be a boolean; got ${String(options.subgroups)}`,
        {
          option: 'subgroups',
        },
      );
    for (const [k, t] of Object.entries(options.tiles ?? {})) {
      const problem = (LAYER_CLASSES as readonly string[]).includes(k)
        ? t && tileProblem(t)
        : `no layer class '${k}'`;
      if (problem) throw new ResblocksError('INVALID_CONTRACT', `tiles.${k}: ${problem}`, { layerClass: k });
    }
  },
});

import { type CompileOptions, formatShape, type Graph, ResblocksError } from '@resblocks/spec';

export const LAYOUTS = ['NHWC', 'NCHW'] as const;
export const GRAPH_OPTIMIZATIONS = ['disabled', 'basic', 'extended', 'all'] as const;

/** onnxruntime-web session options, as compile options (`adapter.compile(graph, weights, options)`). */
export interface OnnxWebCompileOptions extends CompileOptions {
  /** onnx-web:webgpu: the layout the WebGPU EP runs convolutions in. */
  readonly layout?: (typeof LAYOUTS)[number];
  /** ONNX Runtime's graph optimization level. */
  readonly graphOptimization?: (typeof GRAPH_OPTIMIZATIONS)[number];
  /**
   * Fixes the input shape `[batch, channels, height, width]` (ORT's free dimension overrides): the
   * session is planned for that shape only, and run() with another shape is INPUT_SHAPE.
   */
  readonly inputShape?: readonly number[];
  /**
   * onnx-web:webgpu: records the GPU commands of the first run and replays them; input and output
   * pass through GPU buffers the model owns. Needs `inputShape`; on by default where it is given.
   */
  readonly graphCapture?: boolean;
}

/** The options a session is created with. */
export interface SessionSettings {
  readonly layout: (typeof LAYOUTS)[number];
  readonly graphOptimization: (typeof GRAPH_OPTIMIZATIONS)[number];
  readonly inputShape?: readonly [number, number, number, number];
  readonly graphCapture: boolean;
}

/**
 * Defaults, chosen by measurement (bench/webgpu-options.ts; the table is in the README): NHWC (the
 * WebGPU EP's vec4 convolutions; NCHW ran 10-25 % slower on an H100) and every ORT graph
 * optimization. Graph capture is on whenever `inputShape` fixes the shape on WebGPU (3x faster at
 * batch 1 on the H100), and off otherwise: it replays one shape only.
 */
export const DEFAULT_SETTINGS: SessionSettings = {
  layout: 'NHWC',
  graphOptimization: 'all',
  graphCapture: false,
};

function invalid(message: string, details: Record<string, unknown>): ResblocksError {
  return new ResblocksError('INVALID_CONTRACT', `onnx-web: ${message}`, details);
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value as T)) {
    throw invalid(`${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, {
      [key]: value,
    });
  }
}

/** Checks the options that do not depend on the graph (typed errors, before any engine is loaded). */
export function validateOptions(options: OnnxWebCompileOptions): void {
  oneOf('layout', options.layout, LAYOUTS);
  oneOf('graphOptimization', options.graphOptimization, GRAPH_OPTIMIZATIONS);
  const shape = options.inputShape;
  if (
    shape !== undefined &&
    (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0))
  ) {
    throw invalid(
      `inputShape must be 4 positive integers [batch, channels, height, width], got ${JSON.stringify(shape)}`,
      {
        inputShape: shape,
      },
    );
  }
  if (options.graphCapture !== undefined && typeof options.graphCapture !== 'boolean') {
    throw invalid(`graphCapture must be a boolean, got ${JSON.stringify(options.graphCapture)}`, {
      graphCapture: options.graphCapture,
    });
  }
  const webgpuOnly = (['layout', 'graphCapture'] as const).filter(
    (k) => options[k] !== undefined && options[k] !== false,
  );
  if (options.backend !== 'webgpu' && webgpuOnly.length) {
    throw invalid(
      `${webgpuOnly.join(' and ')} apply only to onnx-web:webgpu, not onnx-web:${options.backend}`,
      {
        backend: options.backend,
      },
    );
  }
  if (options.graphCapture && !shape) {
    throw invalid('graphCapture needs inputShape: a captured graph replays one fixed shape', {
      graphCapture: true,
    });
  }
}

/** The settings for one graph: defaults filled in, and a fixed input shape checked against the graph. */
export function sessionSettings(options: OnnxWebCompileOptions, graph: Graph): SessionSettings {
  const shape = options.inputShape as SessionSettings['inputShape'];
  if (shape) {
    if (shape[1] !== graph.inChannels) {
      throw invalid(
        `inputShape ${formatShape(shape)} has ${shape[1]} channels; '${graph.name}' takes ${graph.inChannels}`,
        {
          inputShape: [...shape],
          inChannels: graph.inChannels,
        },
      );
    }
  }
  return {
    layout: options.layout ?? DEFAULT_SETTINGS.layout,
    graphOptimization: options.graphOptimization ?? DEFAULT_SETTINGS.graphOptimization,
    graphCapture: options.graphCapture ?? (options.backend === 'webgpu' && !!shape),
    ...(shape ? { inputShape: [...shape] as unknown as SessionSettings['inputShape'] } : {}),
  };
}

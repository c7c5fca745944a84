import {
  type BackendId,
  backendId,
  type CompiledModel,
  checkRunInput,
  disposedError,
  type Graph,
  type Tensor,
} from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { activate, activeBackend, type LoadedBackend, restore, type TfjsBackend } from './backends.js';
import type { GroupedConvStrategy } from './grouped.js';
import { exclusive } from './lock.js';
import type { Program } from './program.js';

export class TfjsModel implements CompiledModel {
  readonly backend: BackendId;
  private disposed = false;
  private ranOn: string;

  constructor(
    readonly graph: Graph,
    private readonly name: TfjsBackend,
    private readonly program: Program,
    private readonly loaded: LoadedBackend,
    private readonly details: {
      strategy: GroupedConvStrategy;
      foldBatchNorm: boolean;
      wasm?: Record<string, unknown>;
    },
  ) {
    this.backend = backendId('tfjs', name);
    this.ranOn = activeBackend() ?? name;
  }

  async run(input: Tensor): Promise<Tensor> {
    if (this.disposed) throw disposedError(this.backend);
    const shapes = checkRunInput(this.graph, input);
    return exclusive(async () => {
      // dispose() may have been queued ahead of us.
      if (this.disposed) throw disposedError(this.backend);
      const previous = activeBackend();
      await activate(this.name);
      try {
        this.ranOn = activeBackend() ?? '';
        const out = tf.tidy(() =>
          this.program.forward(
            tf.tensor4d(input.data, input.shape as [number, number, number, number]),
            shapes,
          ),
        );
        try {
          const data = (await out.data()) as Float32Array;
          return { shape: [...out.shape], data };
        } finally {
          out.dispose();
        }
      } finally {
        await restore(previous);
      }
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Queued so an in-flight run() finishes before its weights go away.
    await exclusive(async () => {
      tf.dispose(this.program.tensors);
    });
  }

  info(): Readonly<Record<string, unknown>> {
    const info: Record<string, unknown> = {
      adapter: 'tfjs',
      backend: this.ranOn,
      tfjs: tf.version_core,
      groupedConv: this.details.strategy,
      foldBatchNorm: this.details.foldBatchNorm,
      fusedConvRelu: this.program.fused,
    };
    if (this.loaded.gpu) info.gpu = { ...this.loaded.gpu };
    if (this.loaded.nativePackage) info.nativePackage = this.loaded.nativePackage;
    if (this.details.wasm) info.wasm = { ...this.details.wasm };
    return info;
  }
}

/** SIMD, threading and thread count of the initialised wasm backend. */
export async function wasmInfo(): Promise<Record<string, unknown>> {
  const backend = tf.findBackend('wasm') as unknown as
    | { wasm?: { tfjs?: { getThreadsCount(): number } } }
    | undefined;
  return {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: backend?.wasm?.tfjs?.getThreadsCount(),
  };
}

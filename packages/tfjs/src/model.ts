import type { EngineModel, RunContext, Tensor, TracedEngineOutput } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, type LoadedBackend, lostDevice, onBackend } from './engine.js';
import type { GroupedConvStrategy } from './grouped.js';
import type { Program } from './program.js';

/** A built program on one tfjs backend; the adapter kit queues every call (one global backend). */
export class TfjsModel implements EngineModel {
  private ranOn: string;

  constructor(
    private readonly loaded: LoadedBackend,
    private readonly program: Program,
    private readonly details: { strategy: GroupedConvStrategy; wasm?: Record<string, unknown> },
  ) {
    this.ranOn = activeBackend() ?? loaded.name;
  }

  run(input: Tensor, ctx: RunContext): Promise<Tensor | TracedEngineOutput> {
    const name = this.loaded.name;
    return onBackend(name, async () => {
      const lost = lostDevice(name);
      if (lost) throw lost;
      this.ranOn = activeBackend() ?? '';
      const { output: out, traced } = tf.tidy(() =>
        this.program.forward(
          tf.tensor4d(input.data, input.shape as [number, number, number, number]),
          ctx.shapes,
          ctx.trace,
        ),
      );
      try {
        const data = (await out.data()) as Float32Array;
        const values = new Map<string, Tensor>();
        for (const [i, t] of traced.entries())
          values.set(ctx.trace![i]!, { shape: [...t.shape], data: (await t.data()) as Float32Array });
        // A device destroyed mid-run leaves tfjs reading back garbage or nothing.
        const lostNow = lostDevice(name);
        if (lostNow) throw lostNow;
        const output = { shape: [...out.shape], data };
        return ctx.trace ? { output, values } : output;
      } finally {
        out.dispose();
        tf.dispose(traced);
      }
    });
  }

  async release(): Promise<void> {
    tf.dispose(this.program.tensors);
  }

  info(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      adapter: 'tfjs',
      backend: this.ranOn,
      tfjs: tf.version_core,
      groupedConv: this.details.strategy,
      fusedConvRelu: this.program.fused,
    };
    if (this.loaded.gpu) info.gpu = { ...this.loaded.gpu };
    if (this.loaded.nativePackage) info.nativePackage = this.loaded.nativePackage;
    if (this.details.wasm) info.wasm = { ...this.details.wasm };
    return info;
  }
}

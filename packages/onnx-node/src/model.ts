import { INPUT_NAME } from '@resblocks/onnx';
import type { EngineModel, Tensor } from '@resblocks/spec';
import type { OpenedProvider, Session } from './runtime.js';

/** Live sessions per backend, for resources(). */
export const liveSessions = new Map<string, number>();

function count(name: string, by: number): void {
  liveSessions.set(name, (liveSessions.get(name) ?? 0) + by);
}

/** One InferenceSession of the exported graph; the adapter kit checks inputs and outputs around it. */
export class OnnxNodeModel implements EngineModel {
  constructor(
    private readonly provider: OpenedProvider,
    private readonly session: Session,
    private readonly details: Record<string, unknown>,
  ) {
    count(provider.ep.name, 1);
  }

  async run(input: Tensor): Promise<Tensor> {
    const { ort } = this.provider;
    const out = await this.session.run({
      [INPUT_NAME]: new ort.Tensor('float32', input.data, [...input.shape]),
    });
    const y = out[this.session.outputNames[0]!]!;
    return { shape: [...y.dims], data: y.data as Float32Array };
  }

  async release(): Promise<void> {
    await this.session.release();
    count(this.provider.ep.name, -1);
  }

  info(): Record<string, unknown> {
    const { ep, version, vulkanIcd } = this.provider;
    return {
      backend: ep.name,
      engine: 'onnxruntime-node',
      version,
      executionProvider: ep.ortProvider,
      ...(vulkanIcd ? { vulkanIcd } : {}),
      ...this.details,
    };
  }
}

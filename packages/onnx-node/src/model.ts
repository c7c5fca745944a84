import { INPUT_NAME } from '@resblocks/onnx';
import type { EngineModel, RunContext, Tensor, TracedEngineOutput } from '@resblocks/spec';
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

  async run(input: Tensor, { trace }: RunContext): Promise<Tensor | TracedEngineOutput> {
    const { ort } = this.provider;
    const [main, ...extra] = this.session.outputNames as [string, ...string[]];
    // The graph output is fetched under its ONNX name; the other traced values under their own.
    const traced = (trace ?? []).filter((n) => extra.includes(n));
    // Fetching only what the run returns: a traced model's other outputs cost nothing then.
    const out = await this.session.run(
      { [INPUT_NAME]: new ort.Tensor('float32', input.data, [...input.shape]) },
      [main, ...traced],
    );
    const tensor = (name: string): Tensor => {
      const y = out[name]!;
      return { shape: [...y.dims], data: y.data as Float32Array };
    };
    const output = tensor(main);
    return trace ? { output, values: new Map(traced.map((n) => [n, tensor(n)])) } : output;
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

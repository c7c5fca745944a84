import {
  abortedError,
  type BackendId,
  type CompiledModel,
  checkRunInput,
  disposedError,
  type Graph,
  type RunOptions,
  type RunOutput,
  SerialQueue,
  type Tensor,
} from '@resblocks/spec';
import type { Channel } from './channel.js';
import type { CompileReply, RunReply } from './protocol.js';

/** run()'s options on a hosted model. */
export interface HostRunOptions extends RunOptions {
  /** Move the input's buffer to the worker instead of copying it (the caller's array is detached). */
  readonly transfer?: boolean;
}

/** A CompiledModel whose run() also takes `transfer`. */
export interface HostedCompiledModel extends CompiledModel {
  run(input: Tensor, options?: HostRunOptions): Promise<RunOutput>;
}

type Compiled = { channel: Channel; reply: CompileReply };

export interface HostedModelParts {
  readonly backend: BackendId;
  readonly graph: Graph;
  readonly first: Compiled;
  readonly transfer: boolean;
  /** Compiles the same graph and weights in a fresh worker. */
  recompile(): Promise<Compiled>;
  /** Gives a worker back to the host (kept for reuse when still healthy). */
  release(channel: Channel): void;
  disposed(): void;
}

/**
 * A model compiled in a worker. Runs go one at a time, so aborting one ends only the pass it
 * interrupts. After the worker is gone (an abort, a crash) the next run compiles again, lazily.
 */
export class HostedModel implements HostedCompiledModel {
  readonly backend: BackendId;
  readonly graph: Graph;
  private current: Compiled | undefined;
  private lastInfo: Record<string, unknown>;
  private readonly queue = new SerialQueue();
  private isDisposed = false;

  constructor(private readonly parts: HostedModelParts) {
    this.backend = parts.backend;
    this.graph = parts.graph;
    this.current = parts.first;
    this.lastInfo = parts.first.reply.info;
  }

  info(): Readonly<Record<string, unknown>> {
    return this.lastInfo;
  }

  async run(input: Tensor, options: HostRunOptions = {}): Promise<RunOutput> {
    const { signal } = options;
    if (this.isDisposed) throw disposedError(this.backend);
    // Bad input is rejected here, with the kit's errors, without a round trip.
    checkRunInput(this.graph, input);
    if (signal?.aborted) throw abortedError(this.backend, signal);
    const data = (options.transfer ?? this.parts.transfer) ? input.data : input.data.slice();
    const queued = this.queue.push(() => this.pass([...input.shape], data, options));
    if (!signal) return queued;
    // A run still waiting behind others rejects as soon as it is aborted, as the kit's do.
    return new Promise<RunOutput>((resolve, reject) => {
      const onAbort = () => reject(abortedError(this.backend, signal));
      signal.addEventListener('abort', onAbort, { once: true });
      queued.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async pass(shape: number[], data: Float32Array, options: HostRunOptions): Promise<RunOutput> {
    const { signal } = options;
    if (this.isDisposed) throw disposedError(this.backend);
    if (signal?.aborted) throw abortedError(this.backend, signal);
    const work = (async () => {
      const { channel, reply } = await this.compiled();
      const out = await channel.request<RunReply>(
        {
          type: 'run',
          model: reply.model,
          shape,
          data,
          ...(options.trace === undefined ? {} : { trace: options.trace }),
        },
        data.buffer instanceof ArrayBuffer ? [data.buffer] : [],
      );
      this.lastInfo = out.info;
      return out;
    })();
    if (!signal) return output(await this.settled(work));
    return new Promise<RunOutput>((resolve, reject) => {
      const onAbort = () => {
        // A wasm pass cannot be interrupted: end its worker, and compile again on the next run.
        this.drop('was ended to abort a run');
        reject(abortedError(this.backend, signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.settled(work)
        .then((out) => resolve(output(out)), reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** A failed worker is dropped, so the next run starts afresh. */
  private async settled(work: Promise<RunReply>): Promise<RunReply> {
    try {
      return await work;
    } catch (e) {
      if (this.current && !this.current.channel.alive) this.drop('failed');
      throw e;
    }
  }

  private pending: Promise<Compiled> | undefined;

  private compiled(): Promise<Compiled> {
    if (this.current?.channel.alive) return Promise.resolve(this.current);
    this.pending ??= this.parts.recompile().then(
      (c) => {
        this.pending = undefined;
        this.current = c;
        this.lastInfo = c.reply.info;
        return c;
      },
      (e) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }

  private drop(why: string): void {
    const c = this.current;
    this.current = undefined;
    if (c) {
      c.channel.terminate(why);
      this.parts.release(c.channel);
    }
  }

  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    this.isDisposed = true;
    // Queued behind runs in flight, like the kit's dispose.
    await this.queue.push(async () => {
      const c = this.current;
      this.current = undefined;
      if (c?.channel.alive) {
        await c.channel.request({ type: 'dispose', model: c.reply.model }).catch(() => undefined);
        this.parts.release(c.channel);
      } else if (c) this.parts.release(c.channel);
    });
    this.parts.disposed();
  }
}

function output(reply: RunReply): RunOutput {
  return {
    shape: reply.shape,
    data: reply.data,
    ...(reply.trace ? { trace: reply.trace as RunOutput['trace'] & object } : {}),
  };
}

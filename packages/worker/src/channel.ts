import { ResblocksError } from '@resblocks/spec';
import { type Ask, deserializeError, type Reply, type ReplyValue } from './protocol.js';

/** The host's view of one worker, Node's or the browser's. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  terminate(): unknown;
}

/** Creates the worker for one adapter package; `createWorker` in HostOptions overrides it. */
export type CreateWorker = (module: string, exportName: string) => WorkerLike | Promise<WorkerLike>;

type Pending = { resolve: (v: ReplyValue) => void; reject: (e: Error) => void };

// biome-ignore lint/suspicious/noExplicitAny: Node's Worker and the DOM's Worker type their events differently
type Listener = (...args: any[]) => void;
interface Events {
  on?(type: string, listener: Listener): void;
  addEventListener?(type: string, listener: Listener): void;
  ref?(): void;
  unref?(): void;
}

/**
 * One worker and its requests. It fails as a whole: a crash, an exit or terminate() rejects every
 * request in flight with WORKER_FAILED, and the channel is never used again.
 */
export class Channel {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: ResblocksError | undefined;

  private constructor(
    private readonly worker: WorkerLike & Events,
    private readonly label: string,
  ) {
    const on = (type: string, f: Listener) =>
      worker.on ? worker.on(type, f) : worker.addEventListener?.(type, f);
    on('message', (m: unknown) => this.receive((worker.on ? m : (m as MessageEvent).data) as Reply));
    on('error', (e: unknown) => this.fail(`crashed: ${describe(e)}`));
    on('messageerror', () => this.fail('sent a message that could not be read'));
    on('exit', (code: number) => this.fail(`exited with code ${code}`));
    worker.unref?.();
  }

  static async open(
    create: CreateWorker,
    module: string,
    exportName: string,
    label: string,
  ): Promise<Channel> {
    try {
      return new Channel((await create(module, exportName)) as WorkerLike & Events, label);
    } catch (e) {
      throw new ResblocksError('WORKER_FAILED', `${label}: could not start a worker: ${describe(e)}`, {
        backend: label,
      });
    }
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Sends one request; `transfer` lists the buffers that move to the worker (detached here). */
  request<T extends ReplyValue>(req: Ask, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: ReplyValue) => void, reject });
      // A worker with work keeps a Node process alive; an idle one does not.
      if (this.pending.size === 1) this.worker.ref?.();
      try {
        this.worker.postMessage({ ...req, id }, transfer);
      } catch (e) {
        this.settle(id);
        reject(e);
      }
    });
  }

  /** Ends the worker now (a wasm pass cannot be interrupted any other way). */
  terminate(why: string): void {
    if (!this.failure) this.fail(why);
    void this.worker.terminate();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref?.();
    return p;
  }

  private receive(reply: Reply): void {
    if (reply.id === -1 && !reply.ok) {
      this.fail(`could not load its adapter: ${reply.error.message}`);
      return;
    }
    const p = this.settle(reply.id);
    if (!p) return;
    if (reply.ok) p.resolve(reply.value);
    else p.reject(deserializeError(reply.error));
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new ResblocksError(
      'WORKER_FAILED',
      `${this.label}: the worker ${why}; the next call starts a fresh one`,
      { backend: this.label },
    );
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(this.failure);
    }
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  const m = (e as { message?: unknown })?.message;
  return typeof m === 'string' && m ? m : String(e);
}

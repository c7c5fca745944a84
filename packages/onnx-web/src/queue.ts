/**
 * Runs tasks one after another. onnxruntime-web does not allow overlapping run() calls on one
 * session (the wasm side holds per-run state), so each compiled model queues its runs here.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // A failed task must not block the ones after it.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every queued task has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

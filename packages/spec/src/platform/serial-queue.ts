/**
 * Runs tasks one after another. Engines that hold per-run state (an ORT session, a gpu.js kernel's
 * single output buffer) or one global active backend (tfjs) must never interleave two runs.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // A failed task must not block the ones after it.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

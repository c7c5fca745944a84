/**
 * tfjs has one global active backend. Every step that needs a particular backend active (probe,
 * compile, run) goes through this queue, so two models on different backends never interleave.
 */
let tail: Promise<unknown> = Promise.resolve();

export function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const result = tail.then(fn, fn);
  tail = result.catch(() => undefined);
  return result;
}

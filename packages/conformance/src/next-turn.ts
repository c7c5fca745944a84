/**
 * Resolves on the event loop's next turn. A backend that computes synchronously resolves its
 * promises as microtasks, so a loop of awaited runs never lets the loop turn: awaiting this
 * between steps keeps signals (Ctrl-C), timers and progress output flowing.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/**
 * V8 tiering around the start of onnxruntime-web's WebGPU build, in Node.
 *
 * That build's wasm holds two huge functions that run once while it starts (its static
 * constructors: 1.5 MB and 1.3 MB of wasm). One call is enough to spend V8's default tiering
 * budget, so V8 recompiles both with TurboFan on its background threads: ~45 s of CPU on this
 * class of machine (31 s for one function). That work competes with the first runs, and process
 * exit waits for it (process.exit() included): Node joins V8's worker threads before exiting, and
 * a function compile cannot be interrupted.
 *
 * V8 gives every function of a module its tiering budget when the module is compiled, so the
 * budget is raised only while the runtime starts (the first session creation). The start-up
 * functions then stay on the baseline compiler; really hot code spends the larger budget within
 * milliseconds and still tiers up.
 */

/** Tiering budget while the WebGPU build starts (35x V8's default; the start-up functions need ~2-4 M). */
export const START_TIERING_BUDGET = 64_000_000;
/** V8's default `--wasm-tiering-budget` (Node 20), restored afterwards. */
export const V8_TIERING_BUDGET = 1_800_000;

type SetFlags = (flags: string) => void;
export type TieringWindow = <T>(work: () => Promise<T>) => Promise<T>;

/** Whether the user chose a tiering budget (`node --wasm-tiering-budget=...`): then it is left alone. */
export function userTieringBudget(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => /^--wasm[-_]tiering[-_]budget\b/.test(a));
}

/** Runs work with the raised budget; overlapping calls share one window, restored when the last ends. */
export function tieringWindow(setFlags: SetFlags): TieringWindow {
  let open = 0;
  return async (work) => {
    if (open++ === 0) setFlags(`--wasm-tiering-budget=${START_TIERING_BUDGET}`);
    try {
      return await work();
    } finally {
      if (--open === 0) setFlags(`--wasm-tiering-budget=${V8_TIERING_BUDGET}`);
    }
  };
}

/** The window for this Node process, or undefined where flags cannot (or should not) be set. */
export async function nodeTieringWindow(): Promise<TieringWindow | undefined> {
  if (userTieringBudget(process.execArgv)) return undefined;
  try {
    const v8 = await import('node:v8');
    if (typeof v8.setFlagsFromString !== 'function') return undefined;
    return tieringWindow((flags) => v8.setFlagsFromString(flags));
  } catch {
    return undefined;
  }
}

import { isImageError } from '@resblocks/image';
import { isResblocksError, streamFor } from '@resblocks/spec';
import { mutate, pick } from './mutate.js';
import type { FuzzTarget } from './targets.js';

export interface FuzzOptions {
  /** Mutated files to read. */
  readonly iterations: number;
  /** Every file is derived from (seed, reader, iteration) alone, so one can be replayed by number. */
  readonly seed: number;
  /** Replay only this iteration. */
  readonly only?: number;
  /** The allocation bound: peak RSS may rise at most this much above its value after the warm-up. */
  readonly rssBoundBytes: number;
  /** A single read taking longer than this fails (a hang or a super-linear blow-up). */
  readonly slowMs: number;
  /** Called with the failing file, e.g. to save it. */
  readonly onFailure?: (failure: FuzzFailure, file: Uint8Array) => void;
}

export interface FuzzFailure {
  readonly reader: string;
  readonly seed: number;
  readonly iteration: number;
  readonly mutations: string[];
  readonly fileBytes: number;
  readonly problem: string;
}

export interface FuzzReport {
  readonly reader: string;
  readonly seed: number;
  readonly files: number;
  readonly accepted: number;
  /** Rejections by error code. */
  readonly rejected: Record<string, number>;
  readonly largestFileBytes: number;
  readonly meanReadMs: number;
  readonly maxReadMs: number;
  readonly slowMs: number;
  readonly rssStartMiB: number;
  readonly peakRssMiB: number;
  readonly rssBoundMiB: number;
  readonly failures: FuzzFailure[];
}

const MiB = 2 ** 20;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** The file of one iteration: a seed picked and mutated by the iteration's own random stream. */
export function fuzzFile(
  target: FuzzTarget,
  seeds: readonly Uint8Array[],
  seed: number,
  iteration: number,
): { file: Uint8Array; applied: string[] } {
  const rng = streamFor(seed, `${target.name}/${iteration}`);
  const { file, applied } = mutate(pick(rng, seeds), rng, seeds, target.mutations);
  return { file: target.fixup ? target.fixup(file) : file, applied };
}

/**
 * Reads `iterations` mutated files with one reader. Each must be read or rejected with one of the
 * reader's typed errors, within `slowMs`, without the process's peak RSS rising more than
 * `rssBoundBytes` over the run. Stops at the first failure.
 */
export async function fuzzReader(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const seeds = target.seeds();
  for (const s of seeds) await target.read(s); // the seeds themselves are valid, and warm the code up
  const rssStart = peakRss();
  const rejected: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let accepted = 0;
  let files = 0;
  let largest = 0;
  let totalMs = 0;
  let maxMs = 0;
  const first = options.only ?? 0;
  const end = options.only === undefined ? options.iterations : options.only + 1;
  for (let i = first; i < end && !failures.length; i++) {
    const { file, applied } = fuzzFile(target, seeds, options.seed, i);
    files++;
    largest = Math.max(largest, file.length);
    const problems: string[] = [];
    const t = performance.now();
    try {
      await target.read(file);
      accepted++;
    } catch (e) {
      if ((isResblocksError(e) || isImageError(e)) && target.codes.includes(e.code))
        rejected[e.code] = (rejected[e.code] ?? 0) + 1;
      else problems.push(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    const ms = performance.now() - t;
    totalMs += ms;
    maxMs = Math.max(maxMs, ms);
    if (ms > options.slowMs) problems.push(`took ${ms.toFixed(0)} ms (limit ${options.slowMs} ms)`);
    const rise = peakRss() - rssStart;
    if (rise > options.rssBoundBytes)
      problems.push(
        `peak RSS rose ${(rise / MiB).toFixed(0)} MiB (bound ${(options.rssBoundBytes / MiB).toFixed(0)} MiB)`,
      );
    if (problems.length) {
      const failure = {
        reader: target.name,
        seed: options.seed,
        iteration: i,
        mutations: applied,
        fileBytes: file.length,
        problem: problems.join('; '),
      };
      failures.push(failure);
      options.onFailure?.(failure, file);
    }
  }
  return {
    reader: target.name,
    seed: options.seed,
    files,
    accepted,
    rejected,
    largestFileBytes: largest,
    meanReadMs: round(totalMs / Math.max(files, 1), 3),
    maxReadMs: round(maxMs),
    slowMs: options.slowMs,
    rssStartMiB: round(rssStart / MiB),
    peakRssMiB: round(peakRss() / MiB),
    rssBoundMiB: round(options.rssBoundBytes / MiB),
    failures,
  };
}

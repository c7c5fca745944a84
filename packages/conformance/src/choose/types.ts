import type { BackendApi, BackendId, ProbedBackend } from '@resblocks/spec';
import type { ChoiceCache } from './cache.js';
import type { DeviceFingerprint } from './fingerprint.js';

/** What to measure: a registry network at a square input size and batch. */
export interface MeasureRequest {
  readonly model: string;
  /** Input height and width (default 224). */
  readonly size?: number;
  /** Default 1. */
  readonly batch?: number;
}

export interface MeasureProgress {
  readonly phase: 'probe' | 'cache' | 'verify' | 'time' | 'done';
  /** The backend being worked on, when there is one. */
  readonly backend?: BackendId;
  /** Steps done and planned so far (one per verification and per timing). */
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

export interface MeasureOptions {
  readonly measure: MeasureRequest;
  readonly exclude?: readonly BackendId[];
  readonly onProgress?: (p: MeasureProgress) => void;
  /**
   * Where the decision is cached, per device fingerprint. Default: the user's cache directory in
   * Node (XDG_CACHE_HOME or ~/.cache, under resblocks/), localStorage in a browser. false: none.
   */
  readonly cache?: ChoiceCache | false;
  /** Measure again even when a valid decision is cached (the new one replaces it). */
  readonly fresh?: boolean;
  /**
   * Also verify and time software-rendered GPUs (SwiftShader, llvmpipe). They are correct but
   * far slower than wasm, and verifying one can take minutes, so by default they are listed
   * with that reason and not measured.
   */
  readonly includeSoftware?: boolean;
  /** Timed runs per backend after one warm-up run (default 5). */
  readonly iterations?: number;
  /** Stop timing a backend after this many ms once one run is timed (default 5000). */
  readonly maxMs?: number;
}

/** One backend in the measured table. */
export interface MeasuredRow {
  readonly backend: BackendId;
  readonly api: BackendApi;
  readonly device: string | null;
  readonly available: boolean;
  /** Passed the short verification (true), failed it (false), or was not verified (null). */
  readonly verified: boolean | null;
  readonly verifyMs: number | null;
  readonly compileMs: number | null;
  /** Median of the timed full-size runs. */
  readonly medianMs: number | null;
  /** Full-size runs timed. */
  readonly runs: number;
  /** When timing stopped early: a lower bound or estimate of the full-size run, in ms. */
  readonly estimateMs: number | null;
  readonly chosen: boolean;
  /** Why it was not chosen (null for the chosen backend). */
  readonly reason: string | null;
}

export interface MeasuredChoice {
  readonly chosen: ProbedBackend;
  readonly rows: readonly MeasuredRow[];
  readonly request: Required<MeasureRequest>;
  readonly fingerprint: DeviceFingerprint;
  readonly measuredAt: string;
  /** The decision was read from the cache: nothing was compiled or timed this time. */
  readonly fromCache: boolean;
  /** What happened with the cache: used, missing, stale or corrupt (and why), written, off. */
  readonly cacheNote: string;
}

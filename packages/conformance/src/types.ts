import type { Adapter, BackendId, Capabilities, CompiledModel, Dtype } from '@resblocks/spec';
import type { FixtureCase } from '@resblocks/spec/fixtures';
import type { TrainedSet } from '@resblocks/spec/trained';

export type CaseStatus = 'pass' | 'fail' | 'skip';

/** One case's outcome, as the JSON report, the CLI and the docs read it. */
export interface CaseResult {
  readonly id: string;
  readonly group: string;
  readonly backend: BackendId;
  readonly status: CaseStatus;
  /** Worst error as a fraction of the tolerance budget (null where no numeric comparison ran). */
  readonly fraction: number | null;
  readonly durationMs: number;
  /** Failure detail, or the reason a case was skipped. */
  readonly message?: string;
}

export interface ConformanceReport {
  readonly backend: BackendId;
  /** What the backend reported about itself (engine backend, GPU adapter, threads...). */
  readonly info: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly cases: CaseResult[];
  readonly summary: {
    passed: number;
    failed: number;
    skipped: number;
    /** Worst fraction of budget over the passing and failing numeric cases. */
    worstFraction: number | null;
    durationMs: number;
  };
}

export interface SuiteOptions {
  /** Fixture networks to include (default: the small CIFAR ones). */
  readonly networks?: readonly string[];
  /** Fixture groups to include (default: all block groups). */
  readonly groups?: readonly string[];
  /** Evenly subsample the block fixture grid to at most this many cases (for slow backends). */
  readonly maxBlockCases?: number;
  /** Seeded random configurations compared with the float64 reference (default 8). */
  readonly randomCases?: number;
  /** Seed of the random configurations (default 1); a failure prints it for replay. */
  readonly seed?: number;
  /** Case id (or prefix ending in `*`) -> reason. Excluded cases are reported as skipped with the reason. */
  readonly exclude?: Readonly<Record<string, string>>;
  /**
   * Extra assertion that the backend really ran as requested (beyond info().backend === backend):
   * return a string to fail with that message.
   */
  readonly expectInfo?: (info: Readonly<Record<string, unknown>>) => string | undefined;
  /**
   * When the probe says the backend cannot run here: fail (true) or skip with the reason (false).
   * Default: fail when CI=true.
   */
  readonly required?: boolean;
  /** Write the JSON report here (default: reports/conformance-<adapter>-<backend>.json under cwd, vitest only). */
  readonly report?: string;
  /**
   * Where fixtures come from. Default: the spec package's files read from disk (Node). In a
   * browser, pass `() => parseFixtures(manifest, files)` with files fetched from the server.
   */
  readonly fixtures?: () => Promise<FixtureCase[]>;
  /**
   * Accuracy group (accuracy.ts): committed Fashion-MNIST test images per trained model. Default by
   * backend kind (defaultAccuracyImages); 0 leaves the group out.
   */
  readonly accuracyImages?: number;
  /** Trained models of the accuracy group (default: every one in the manifest). */
  readonly accuracyModels?: readonly string[];
  /**
   * Where the trained models come from. Default: the spec package's files read from disk (Node). In
   * a browser, pass `() => parseTrained(manifest, files)` with files fetched from the server.
   */
  readonly trained?: () => Promise<TrainedSet>;
  /** Per-case timeout in ms for vitest (default 300000). */
  readonly timeoutMs?: number;
}

/** What a case sees. */
export interface CaseContext {
  readonly adapter: Adapter;
  readonly backend: string;
  readonly id: BackendId;
  readonly dtype: Dtype;
  readonly capabilities: Capabilities;
  /**
   * The suite's probe block, compiled once per backend and shared by the cases that only need
   * some compiled model (input checks, shapes, batch, determinism...). Compiling per case costs
   * minutes on software WebGPU; reusing one model also checks that a model serves many shapes.
   */
  sharedProbe(): Promise<CompiledModel>;
}

export interface CaseOutcome {
  /** Worst fraction of the tolerance budget, when the case compared numbers. */
  readonly fraction?: number;
}

export interface ConformanceCase {
  readonly id: string;
  readonly group: string;
  /** Set when the case does not apply to this backend: the reason. */
  readonly skip?: string;
  /** Resolves when the case passes; throws an Error whose message says what went wrong. */
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

import type {
  Adapter,
  Availability,
  BackendId,
  Capabilities,
  CompiledModel,
  CompileOptions,
  Dtype,
  Graph,
  Weights,
} from '@resblocks/spec';
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
  /** What the case measured beyond the error, for reports (the accuracy group's counts). */
  readonly measured?: Readonly<Record<string, number>>;
  /** For a failing comparison: the first node over its budget, found by tracing the case again. */
  readonly divergence?: Divergence;
}

/** Where a failing case's graph first goes over budget (see locateDivergence). */
export interface Divergence {
  /** The node and its torchvision module name. */
  readonly node: string;
  readonly module: string;
  readonly op: string;
  /** Its error as a fraction of its own budget. */
  readonly fraction: number;
  /** The one-line verdict of the traced comparison. */
  readonly verdict: string;
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

/** A whole network at a given square input size, compared with the float64 reference on seeded weights. */
export interface ReferenceNetwork {
  readonly name: string;
  readonly size: number;
}

export interface SuiteOptions {
  /** Fixture networks to include (default: the small CIFAR ones). */
  readonly networks?: readonly string[];
  /** Fixture groups to include (default: all block groups). */
  readonly groups?: readonly string[];
  /** Evenly subsample the block fixture grid to at most this many cases (for slow backends). */
  readonly maxBlockCases?: number;
  /**
   * For slow backends, per group name: keep at most N evenly spaced cases, or just the listed
   * case ids (an id, or a prefix ending in `*`), e.g. `{ ops: 3, blocks: ['blocks/preact-*'] }`.
   */
  readonly sample?: Readonly<Record<string, number | readonly string[]>>;
  /** Seeded random configurations compared with the float64 reference (default 8). */
  readonly randomCases?: number;
  /** Seed of the random configurations (default 1); a failure prints it for replay. */
  readonly seed?: number;
  /**
   * Whole networks at a chosen size against the float64 reference (e.g. resnet50 at 224). The
   * reference output is computed once per network and size and shared by every backend.
   */
  readonly referenceNetworks?: readonly ReferenceNetwork[];
  /**
   * Only the cases whose id matches one of these (an id, or a prefix ending in `*`); the rest are
   * left out of the run entirely (not reported). Default: every case.
   */
  readonly only?: readonly string[];
  /** Case id (or prefix ending in `*`) -> reason. Excluded cases are reported as skipped with the reason. */
  readonly exclude?: Readonly<Record<string, string>>;
  /**
   * Adapter-specific compile options added to every compile the suite makes (e.g. tfjs's
   * `{ groupedConv: 'split' }`), so one adapter's variants run the same cases.
   */
  readonly compileOptions?: Readonly<Record<string, unknown>>;
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
  /**
   * The backend's probe result when the caller already has it (the CLI probes once while resolving
   * backend names); otherwise the runner probes.
   */
  readonly availability?: Availability;
  /**
   * Write the JSON report here (default: reports/conformance-<adapter>-<backend>.json under cwd,
   * vitest only); false writes none.
   */
  readonly report?: string | false;
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
  readonly options: SuiteOptions;
  /** Compiles on this backend with the suite's compile options (and `extra` ones, e.g. `trace`). */
  compile(graph: Graph, weights: Weights, extra?: Omit<CompileOptions, 'backend'>): Promise<CompiledModel>;
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
  /** The backend's share of the case's time, when the case also spends time elsewhere. */
  readonly durationMs?: number;
  /** Figures worth keeping in the report (see CaseResult.measured). */
  readonly measured?: Readonly<Record<string, number>>;
}

export interface ConformanceCase {
  readonly id: string;
  readonly group: string;
  /** The optional behaviour this case checks: skipped with the adapter's reason when unsupported. */
  readonly capability?: keyof Capabilities;
  /** Set when the case does not apply to this backend: the reason. */
  readonly skip?: string;
  /** Resolves when the case passes; throws an Error whose message says what went wrong. */
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

/** What a group of cases is built from. */
export interface CaseSource {
  readonly options: SuiteOptions;
  readonly adapter: Adapter;
  readonly backend: string;
  /** The PyTorch fixtures (read once per process, or from options.fixtures). */
  fixtures(): Promise<FixtureCase[]>;
}

/**
 * A named group of cases in the suite. Groups are listed once, in run order, in cases/index.ts;
 * a new group is a file that exports one of these and a line there.
 */
export interface CaseGroup {
  readonly name: string;
  cases(source: CaseSource): ConformanceCase[] | Promise<ConformanceCase[]>;
}

// The adapter contract lives in the spec (adapters depend only on it at run time); re-exported here.
export type {
  Adapter,
  Availability,
  BackendDescriptor,
  BackendId,
  Capabilities,
  CompiledModel,
  CompileOptions,
  ResourceCounters,
} from '@resblocks/spec';
export { referenceAdapter } from '@resblocks/spec';
export {
  type BenchOptions,
  type BenchResult,
  benchModel,
  quantile,
  type RunTiming,
  type TimingOptions,
  timeRuns,
} from './bench.js';
export {
  type BenchArgs,
  type BenchFlags,
  benchArgs,
  benchFlags,
  benchMachine,
  runBenchScript,
} from './bench-script.js';
export { ACCURACY_BATCH, accuracyCases, defaultAccuracyImages } from './cases/accuracy.js';
export { identityCase } from './cases/backend.js';
export { BLOCK_CASES } from './cases/blocks.js';
export { type GraphCase, materials } from './cases/graph-case.js';
export { CASE_GROUPS, DEFAULT_NETWORKS, graphCase, listCases, matchesCase } from './cases/index.js';
export { OP_CASES } from './cases/ops.js';
export { TINY_NETWORK_CASES } from './cases/tiny-networks.js';
export { TRACE_NETWORK } from './cases/trace.js';
export {
  assertMatchesReference,
  CaseFailure,
  expectClose,
  expectError,
  expectMatchesReference,
  explainFailure,
  withModel,
} from './check.js';
export {
  type CachedChoice,
  CHOICE_FORMAT,
  CHOICE_MAX_AGE_MS,
  type ChoiceCache,
  cacheKey,
  defaultChoiceCache,
  fileChoiceCache,
  parseCachedChoice,
  storageChoiceCache,
} from './choose/cache.js';
export { type DeviceFingerprint, deviceFingerprint } from './choose/fingerprint.js';
export { chooseBackend, VERIFY_CASES } from './choose/measure.js';
export type * from './choose/types.js';
export { locateDivergence, traceAgainstReference } from './divergence.js';
export { checkNonFiniteClaim } from './non-finite-claim.js';
export { type RandomConfig, randomBlock, randomConfig, randomNetwork } from './random.js';
export {
  type ConformanceRun,
  isCI,
  type PlannedCase,
  planConformance,
  runCase,
  runConformance,
  summarize,
} from './runner.js';
export { SHADER_BOUND_SUBSET } from './subsets.js';
export { defineConformanceSuite } from './suite.js';
export type * from './types.js';

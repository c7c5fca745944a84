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
export { ACCURACY_BATCH, accuracyCases, defaultAccuracyImages } from './accuracy.js';
export { type BenchOptions, type BenchResult, benchModel, quantile } from './bench.js';
export { DEFAULT_NETWORKS, listCases } from './cases.js';
export { CaseFailure, expectClose, expectMatchesReference, withModel } from './check.js';
export { type RandomConfig, randomBlock, randomConfig, randomNetwork } from './random.js';
export { identityCase, isCI, runCase, runConformance, summarize } from './runner.js';
export { defineConformanceSuite } from './suite.js';
export type * from './types.js';

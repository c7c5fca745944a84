export { type WebGpuCompileOptions, webgpuAdapter } from './adapter.js';
export { BUILTIN_TABLES } from './builtin-tables.js';
export { fromHalf, packHalf, toHalf, unpackHalf } from './f16.js';
export type { Precision, StepKind, Tile } from './kernels.js';
export {
  type BufferPlan,
  buildPlan,
  type Op,
  type Plan,
  type PlanLimits,
  packets,
  planBuffers,
  type Step,
} from './plan.js';
export {
  DEFAULT_TABLE,
  fitTile,
  LAYER_CLASSES,
  type LayerClass,
  layerClass,
  lookupTable,
  type TileTable,
  tableName,
} from './tables.js';

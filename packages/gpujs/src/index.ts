export { gpujsAdapter } from './adapter.js';
export { BACKENDS } from './backends.js';
export type { GpujsMode } from './engine.js';
export { buildPlan, type Op, type Plan, type Step } from './plan.js';

export { gpujsAdapter } from './adapter.js';
export { BACKENDS, type GpujsMode } from './backends.js';
export { buildPlan, type Op, type Plan, type Step } from './plan.js';

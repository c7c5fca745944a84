export { type TfjsCompileOptions, tfjsAdapter } from './adapter.js';
export { BACKENDS } from './backends.js';
export { NATIVE_PACKAGES, TENSORFLOW_MISSING, type TfjsBackend, WEBGL_IN_NODE } from './engine.js';
export { defaultGroupedStrategy, GROUPED_CONV_STRATEGIES, type GroupedConvStrategy } from './grouped.js';

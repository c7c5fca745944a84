export { type TfjsCompileOptions, tfjsAdapter } from './adapter.js';
export {
  BACKENDS,
  NATIVE_PACKAGES,
  TENSORFLOW_MISSING,
  type TfjsBackend,
  WEBGL_IN_NODE,
} from './backends.js';
export { defaultGroupedStrategy, GROUPED_CONV_STRATEGIES, type GroupedConvStrategy } from './grouped.js';

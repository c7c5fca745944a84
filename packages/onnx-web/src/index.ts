export { onnxWebAdapter } from './adapter.js';
export {
  DEFAULT_SETTINGS,
  GRAPH_OPTIMIZATIONS,
  LAYOUTS,
  type OnnxWebCompileOptions,
  type SessionSettings,
} from './options.js';

export { onnxWebAdapter } from './adapter.js';

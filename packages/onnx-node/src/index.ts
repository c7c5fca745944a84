export { onnxNodeAdapter } from './adapter.js';

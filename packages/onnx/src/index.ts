export { type ExportOptions, exportOnnx, INPUT_NAME } from './export.js';
export { probeModel } from './probe.js';
export { IR_VERSION, OPSET, PRODUCER_NAME, VERSION } from './version.js';

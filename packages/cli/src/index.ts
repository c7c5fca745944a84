export { ADAPTER_SOURCES, type LoadedAdapter, loadAdapters, resolveBackends } from './adapters.js';
export { CliError, describeError } from './cli-error.js';
export { IMAGENET_MEAN, IMAGENET_STD, preprocessImageNet } from './image.js';
export type { Io } from './io.js';
export { COMMANDS, main } from './main.js';
export { MAX_NPY_HEADER_BYTES, type NpyArray, parseNpy, serializeNpy } from './npy.js';
export { barChartSvg, type ChartBar, type ChartSpec } from './svg.js';

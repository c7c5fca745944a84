import { parentPort, workerData } from 'node:worker_threads';
import { isAdapter } from '@resblocks/spec';
import { serializeError } from './protocol.js';
import { serveAdapter } from './serve.js';

/** What the host passes to a Node worker: the module to import and the adapter it exports. */
export interface NodeWorkerData {
  readonly module: string;
  readonly exportName: string;
}

const port = parentPort!;
const { module, exportName } = workerData as NodeWorkerData;

try {
  const adapter = ((await import(module)) as Record<string, unknown>)[exportName];
  if (!isAdapter(adapter)) throw new Error(`${module} does not export an adapter named ${exportName}`);
  serveAdapter(adapter, {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    on: (type, listener) => port.on(type, listener),
  });
} catch (e) {
  port.postMessage({ id: -1, ok: false, error: serializeError(e) });
}

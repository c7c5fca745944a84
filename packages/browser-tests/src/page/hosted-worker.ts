import { serveAdapter } from '@resblocks/worker/serve';
import { adapterById } from './adapters.js';
import { configureWasmPaths } from './wasm-paths.js';

/** The worker script of the test pages and the demo: serves the adapter named in its URL (`hosted-worker.js?adapter=tfjs`). */
const id = new URL(self.location.href).searchParams.get('adapter') ?? '';
// Passed as a promise before any await: a Web Worker drops messages that arrive with no listener.
const adapter = configureWasmPaths(self.location.origin).then(() => adapterById(id));
serveAdapter(adapter, self as unknown as Parameters<typeof serveAdapter>[1]);

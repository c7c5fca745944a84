import { serveAdapter } from '@resblocks/worker/serve';
import { adapterById } from '../src/page/adapters.js';
import { configureWasmPaths } from '../src/page/wasm-paths.js';

/** The live-video section's worker: serves the adapter named in its URL (`video-worker.js?adapter=tfjs`). */
const id = new URL(self.location.href).searchParams.get('adapter') ?? '';
// Passed as a promise before any await: a Web Worker drops messages that arrive with no listener.
const adapter = configureWasmPaths(self.location.origin).then(() => adapterById(id));
serveAdapter(adapter, self as unknown as Parameters<typeof serveAdapter>[1]);

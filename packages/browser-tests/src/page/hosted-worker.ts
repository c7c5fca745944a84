import { serveAdapter } from '@resblocks/worker/serve';
import { adapterById } from './adapters.js';
import { configureWasmPaths } from './wasm-paths.js';

/** The page's worker script: serves the adapter named in its URL (`hosted-worker.js?adapter=tfjs`). */
const id = new URL(self.location.href).searchParams.get('adapter') ?? '';
const adapter = configureWasmPaths(self.location.origin).then(() => adapterById(id));
serveAdapter(adapter, self as unknown as Parameters<typeof serveAdapter>[1]);

import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** URL prefix (`/ort/`) -> directory on disk. */
export type Mounts = Readonly<Record<string, string>>;

export interface StaticServer {
  readonly origin: string;
  /** Every path requested so far, with its status: tests check what the page really loaded. */
  readonly requests: { path: string; status: number }[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

function resolvePath(mounts: Mounts, urlPath: string): string | undefined {
  // Longest prefix first so `/app/x/` wins over `/app/`.
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    if (!urlPath.startsWith(prefix)) continue;
    const root = mounts[prefix]!;
    const rel = decodeURIComponent(urlPath.slice(prefix.length)) || 'index.html';
    const full = normalize(join(root, rel));
    // Never serve outside the mounted folder.
    if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
    return full;
  }
  return undefined;
}

/**
 * A static file server on 127.0.0.1 with a random port. Cross-origin isolation headers are sent so
 * the page may use SharedArrayBuffer (wasm threads) the way a production site would.
 */
export async function serveStatic(mounts: Mounts): Promise<StaticServer> {
  const requests: { path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = resolvePath(mounts, path);
    let size = -1;
    try {
      if (file) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (!file || size < 0) {
      requests.push({ path, status: 404 });
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    requests.push({ path, status: 200 });
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

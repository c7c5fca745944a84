import { build, type Plugin } from 'esbuild';

/**
 * Node-only modules the libraries import behind runtime checks (fixtures from disk, Dawn for
 * WebGPU in Node, vitest for the suite registration). In the page they resolve to an empty
 * CommonJS module, so named imports bundle and are never reached.
 */
const NODE_ONLY =
  /^(node:.*|fs|fs\/promises|path|os|url|module|crypto|worker_threads|perf_hooks|child_process|util|webgpu|vitest)$/;

const stubNodeOnly: Plugin = {
  name: 'stub-node-only',
  setup(b) {
    b.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path, namespace: 'node-only' }));
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

/** Bundles a browser entry (ESM, one file plus its chunks) into outdir. */
export async function bundleForBrowser(entries: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    splitting: true,
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [stubNodeOnly],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}

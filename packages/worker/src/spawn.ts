import { currentEnvironment } from '@resblocks/spec';
import type { CreateWorker, WorkerLike } from './channel.js';

/**
 * Node: a worker_thread running node-entry.js, which imports the adapter package by name. It shares
 * the process environment, so what an engine sets there (the Vulkan driver Dawn should load) is seen
 * by native code, as on the main thread.
 */
const nodeWorker: CreateWorker = async (module, exportName) => {
  const { Worker, SHARE_ENV } = await import('node:worker_threads');
  return new Worker(new URL('./node-entry.js', import.meta.url), {
    workerData: { module, exportName },
    env: SHARE_ENV as unknown as NodeJS.ProcessEnv,
  }) as unknown as WorkerLike;
};

/** A page bundles its adapters into its own worker script, so it must say where that script is. */
const browserWorker: CreateWorker = () => {
  throw new Error(
    "in a browser, pass hostAdapter(adapter, { createWorker: () => new Worker(url, { type: 'module' }) }) with a worker script that calls serveAdapter from @resblocks/worker/serve",
  );
};

export function defaultCreateWorker(): CreateWorker {
  return currentEnvironment() === 'node' ? nodeWorker : browserWorker;
}

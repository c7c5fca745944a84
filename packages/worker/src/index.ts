export type { CreateWorker, WorkerLike } from './channel.js';
export { type HostedAdapter, type HostOptions, hostAdapter } from './host.js';
export type { HostedCompiledModel, HostRunOptions } from './hosted-model.js';
export { serveAdapter, type WorkerPort } from './serve.js';

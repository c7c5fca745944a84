import {
  ADAPTER_PACKAGES,
  type Adapter,
  type Availability,
  backendId,
  type CompileOptions,
  type Dtype,
  describeError,
  type Graph,
  ResblocksError,
  type ResourceCounters,
  type Weights,
} from '@resblocks/spec';
import { Channel, type CreateWorker } from './channel.js';
import { type HostedCompiledModel, HostedModel } from './hosted-model.js';
import type { CompileReply } from './protocol.js';
import { defaultCreateWorker } from './spawn.js';

export interface HostOptions {
  /** The module the worker imports (default: the adapter's package in the spec's registry). */
  readonly module?: string;
  /** The adapter it exports under that name (default: the registry's export name). */
  readonly exportName?: string;
  /** Starts a worker; required in a browser (a Worker running a script that calls serveAdapter). */
  readonly createWorker?: CreateWorker;
  /**
   * Move each run's input buffer to the worker instead of copying it (default false). Moving
   * detaches it: the caller's Float32Array is empty afterwards.
   */
  readonly transfer?: boolean;
}

/** An Adapter whose models run in workers. */
export interface HostedAdapter extends Adapter {
  compile(graph: Graph, weights: Weights, options: CompileOptions): Promise<HostedCompiledModel>;
  /**
   * Ends every worker now: runs in flight reject with WORKER_FAILED, and each model starts a fresh
   * worker (compiling again) on its next run. Call it when shutting down.
   */
  terminateWorkers(): void;
}

/**
 * Runs `adapter`'s models in workers: one worker per compiled model, so aborting a run (which ends
 * that worker) touches no other model. A disposed model's worker is kept for the next compile of
 * the same backend. The local adapter only describes itself (backends, capabilities); probes,
 * compiles and runs happen in the worker.
 */
export function hostAdapter(adapter: Adapter, options: HostOptions = {}): HostedAdapter {
  const pkg = ADAPTER_PACKAGES.find((p) => p.id === adapter.id);
  const module = options.module ?? pkg?.packageName;
  const exportName = options.exportName ?? pkg?.exportName;
  const create = options.createWorker ?? defaultCreateWorker();
  const idle = new Map<string, Channel>();
  const busy = new Map<string, Set<Channel>>();
  const dtypes = new Map<string, Dtype>();
  const live = new Map<string, number>();
  const counterKeys = new Map<string, Set<string>>();

  function known(backend: string): void {
    if (!adapter.backends.some((b) => b.name === backend)) adapter.capabilities(backend);
  }

  async function acquire(backend: string): Promise<Channel> {
    const label = backendId(adapter.id, backend);
    if (!module || !exportName) {
      throw new ResblocksError(
        'WORKER_FAILED',
        `${label}: adapter ${adapter.id} is not in the registry; pass hostAdapter's module and exportName`,
        { backend: label },
      );
    }
    const kept = idle.get(backend);
    idle.delete(backend);
    const channel = kept?.alive ? kept : await Channel.open(create, module, exportName, label);
    const set = busy.get(backend) ?? new Set();
    busy.set(backend, set);
    set.add(channel);
    return channel;
  }

  /** A healthy worker with nothing compiled in it is kept (one per backend) for the next compile. */
  function release(backend: string, channel: Channel): void {
    busy.get(backend)?.delete(channel);
    if (!channel.alive) return;
    if (idle.get(backend)?.alive) channel.terminate('was no longer needed');
    else idle.set(backend, channel);
  }

  /** Compiles in a worker of `backend`; a failed compile gives the worker back. */
  async function compileIn(
    graph: Graph,
    weights: Weights,
    compileOptions: CompileOptions,
  ): Promise<{ channel: Channel; reply: CompileReply }> {
    const channel = await acquire(compileOptions.backend);
    try {
      // Copied, not moved: the host keeps graph and weights to compile again after an abort.
      const reply = await channel.request<CompileReply>({
        type: 'compile',
        graph,
        weights,
        options: compileOptions,
      });
      dtypes.set(compileOptions.backend, reply.dtype);
      const seen = counterKeys.get(compileOptions.backend) ?? new Set<string>();
      for (const k of reply.counters) seen.add(k);
      counterKeys.set(compileOptions.backend, seen);
      return { channel, reply };
    } catch (e) {
      release(compileOptions.backend, channel);
      throw e;
    }
  }

  async function probe(backend: string): Promise<Availability> {
    if (!adapter.backends.some((b) => b.name === backend)) return adapter.probe(backend);
    let channel: Channel | undefined;
    try {
      channel = await acquire(backend);
      const availability = await channel.request<Availability>({ type: 'probe', backend });
      if (availability.available)
        dtypes.set(backend, await channel.request<Dtype>({ type: 'dtype', backend }));
      return availability;
    } catch (e) {
      return { available: false, reason: describeError(e) };
    } finally {
      if (channel) release(backend, channel);
    }
  }

  async function resources(backend: string): Promise<ResourceCounters> {
    known(backend);
    const channels = [...(busy.get(backend) ?? []), idle.get(backend)].filter(
      (c): c is Channel => c?.alive === true,
    );
    // With no worker left, the engine's counters read zero (the same keys as before it went).
    const seen = counterKeys.get(backend) ?? new Set<string>();
    counterKeys.set(backend, seen);
    const totals: Record<string, number> = Object.fromEntries([...seen].map((k) => [k, 0]));
    for (const c of channels) {
      const counts = await c.request<ResourceCounters>({ type: 'resources', backend }).catch(() => ({}));
      for (const [k, v] of Object.entries(counts)) {
        seen.add(k);
        totals[k] = (totals[k] ?? 0) + v;
      }
    }
    // Models whose worker is gone (aborted, crashed) still count until disposed.
    return { ...totals, models: live.get(backend) ?? 0 };
  }

  return {
    id: adapter.id,
    backends: adapter.backends,
    probe,
    // A GPUBuffer belongs to the worker's device and cannot be posted to or from it.
    capabilities: (backend) => ({
      ...adapter.capabilities(backend),
      gpuTensors: 'a hosted model runs in a worker, whose GPU device and buffers stay in that worker',
    }),
    dtype: (backend) => dtypes.get(backend) ?? adapter.dtype(backend),
    async compile(graph, weights, compileOptions): Promise<HostedCompiledModel> {
      known(compileOptions.backend);
      const first = await compileIn(graph, weights, compileOptions);
      const backend = compileOptions.backend;
      live.set(backend, (live.get(backend) ?? 0) + 1);
      return new HostedModel({
        backend: backendId(adapter.id, backend),
        graph,
        first,
        transfer: options.transfer ?? false,
        recompile: () => compileIn(graph, weights, compileOptions),
        release: (channel) => release(backend, channel),
        disposed: () => live.set(backend, (live.get(backend) ?? 1) - 1),
      });
    },
    resources,
    terminateWorkers() {
      for (const c of [...idle.values(), ...[...busy.values()].flatMap((s) => [...s])]) {
        c.terminate('was ended by terminateWorkers()');
      }
      idle.clear();
    },
  };
}

import type { Adapter, CompiledModel } from '@resblocks/spec';
import { type Reply, type ReplyValue, type Request, serializeError } from './protocol.js';

/** The worker's end of the channel: `parentPort` in worker_threads, `self` in a Web Worker. */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener?(type: 'message', listener: (event: MessageEvent) => void): void;
  on?(type: 'message', listener: (data: unknown) => void): void;
}

/** Moving a buffer moves all of it: a view into a larger one (an engine's pool) is copied first. */
function owned(data: Float32Array): Float32Array {
  const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0;
  return whole && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

function buffersOf(out: { data: Float32Array; trace?: { data: Float32Array }[] }): ArrayBuffer[] {
  const all = [out.data, ...(out.trace ?? []).map((t) => t.data)].map((d) => d.buffer as ArrayBuffer);
  return [...new Set(all)];
}

/**
 * Answers the host's requests with `adapter`, in a worker. The worker entry calls it with the
 * adapter package it imported; a browser bundle calls it from its own worker script with the
 * adapter it bundled. Call it before any await: a Web Worker drops messages that arrive while no
 * listener is attached, so an adapter still loading is passed as a promise.
 */
export function serveAdapter(adapter: Adapter | Promise<Adapter>, port: WorkerPort): void {
  const models = new Map<number, CompiledModel>();
  const loading = Promise.resolve(adapter);
  let next = 1;

  async function handle(req: Request): Promise<{ value: ReplyValue; transfer?: ArrayBuffer[] }> {
    const adapter = await loading;
    switch (req.type) {
      case 'probe':
        return { value: await adapter.probe(req.backend) };
      case 'dtype':
        return { value: adapter.dtype(req.backend) };
      case 'resources':
        return { value: await adapter.resources(req.backend) };
      case 'compile': {
        const model = await adapter.compile(req.graph, req.weights, req.options);
        const id = next++;
        models.set(id, model);
        const { backend } = req.options;
        const counters = Object.keys(await adapter.resources(backend));
        return { value: { model: id, info: model.info(), dtype: adapter.dtype(backend), counters } };
      }
      case 'run': {
        const model = models.get(req.model);
        if (!model) throw new Error(`no model ${req.model} in this worker`);
        const out = await model.run(
          { shape: req.shape, data: req.data },
          req.trace === undefined ? {} : { trace: req.trace },
        );
        const value = {
          shape: [...out.shape],
          data: owned(out.data),
          ...(out.trace ? { trace: out.trace.map((t) => ({ ...t, data: owned(t.data) })) } : {}),
          info: model.info(),
        };
        return { value, transfer: buffersOf(value) };
      }
      case 'dispose': {
        const model = models.get(req.model);
        models.delete(req.model);
        await model?.dispose();
        return { value: undefined };
      }
    }
  }

  const onMessage = (data: unknown) => {
    const req = data as Request;
    handle(req).then(
      ({ value, transfer }) => {
        const reply: Reply = { id: req.id, ok: true, value };
        try {
          port.postMessage(reply, transfer ?? []);
        } catch {
          // An engine may hand back a view it still owns (wasm memory): send a copy then.
          port.postMessage(structuredClone(reply));
        }
      },
      (e) => port.postMessage({ id: req.id, ok: false, error: serializeError(e) } satisfies Reply),
    );
  };
  if (port.on) port.on('message', onMessage);
  else port.addEventListener?.('message', (event) => onMessage(event.data));
}

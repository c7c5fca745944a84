import {
  type Availability,
  type CompileOptions,
  type Dtype,
  type ErrorCode,
  type Graph,
  ResblocksError,
  type ResourceCounters,
  type TraceSelection,
  type Weights,
} from '@resblocks/spec';

/** What the host asks a worker (without the id the channel adds). */
export type Ask =
  | { type: 'probe'; backend: string }
  | { type: 'dtype'; backend: string }
  | { type: 'compile'; graph: Graph; weights: Weights; options: CompileOptions }
  | { type: 'run'; model: number; shape: number[]; data: Float32Array; trace?: TraceSelection }
  | { type: 'dispose'; model: number }
  | { type: 'resources'; backend: string };

/** Every request gets exactly one Reply with the same `id`. */
export type Request = Ask & { id: number };

export interface CompileReply {
  model: number;
  info: Record<string, unknown>;
  dtype: Dtype;
  /** The names of the engine's counters (resources() reports them as zero once no worker is left). */
  counters: string[];
}

export interface RunReply {
  shape: number[];
  data: Float32Array;
  trace?: unknown[];
  info: Record<string, unknown>;
}

export type ReplyValue = Availability | Dtype | CompileReply | RunReply | ResourceCounters | undefined;

export type Reply =
  | { id: number; ok: true; value: ReplyValue }
  | { id: number; ok: false; error: SerializedError }
  /** The worker's module failed to load (the adapter package is missing or broken). */
  | { id: -1; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: ErrorCode;
  details?: Record<string, unknown>;
  stack?: string;
}

/** Details hold plain facts, but a cause object may not survive structured cloning: keep what does. */
function cloneable(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return structuredClone({ ...details });
  } catch {
    return JSON.parse(JSON.stringify(details, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  }
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof ResblocksError) {
    return {
      name: e.name,
      message: e.message,
      code: e.code,
      details: cloneable(e.details),
      ...(e.stack ? { stack: e.stack } : {}),
    };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}

/** A typed error comes back as the same ResblocksError; anything else as a plain Error. */
export function deserializeError(s: SerializedError): Error {
  const e = s.code ? new ResblocksError(s.code, s.message, s.details ?? {}) : new Error(s.message);
  if (!s.code) e.name = s.name;
  // The worker's stack says where it failed; the host's would only point at the message handler.
  if (s.stack) e.stack = s.stack;
  return e;
}

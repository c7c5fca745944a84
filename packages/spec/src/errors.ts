/**
 * Every error the project raises on purpose is a ResblocksError with a stable `code`, so callers
 * (and the CLI) can branch on the kind of problem without parsing messages.
 */
export type ErrorCode =
  | 'INVALID_CONTRACT'
  | 'UNKNOWN_MODEL'
  | 'INPUT_SHAPE'
  | 'INPUT_DTYPE'
  | 'INPUT_TOO_SMALL'
  | 'WEIGHTS_MISSING'
  | 'WEIGHTS_EXTRA'
  | 'WEIGHTS_SHAPE'
  | 'WEIGHTS_DTYPE'
  | 'SAFETENSORS_FORMAT'
  | 'NPY_FORMAT'
  | 'IMAGE_FORMAT'
  | 'INPUT_TOO_LARGE'
  /** A GPU tensor the backend cannot use: another device's buffer, missing usage flags. */
  | 'INPUT_DEVICE'
  | 'FIXTURE_INTEGRITY'
  | 'UNKNOWN_OP'
  | 'BACKEND_UNAVAILABLE'
  /** The engine failed while compiling or running (not a problem of the input or the weights). */
  | 'BACKEND_FAILED'
  /** The GPU device was lost (driver reset, destroyed): compile again to get a fresh device. */
  | 'DEVICE_LOST'
  /** run() was abandoned through its AbortSignal; the model stays usable. */
  | 'ABORTED'
  /** The worker running a hosted model crashed or was ended; the next call starts a fresh one. */
  | 'WORKER_FAILED'
  | 'UNKNOWN_BACKEND'
  /** A traced value was asked for that the graph (or the compiled model's trace) does not have. */
  | 'UNKNOWN_NODE'
  /** An activations file does not fit the model and input it is compared with. */
  | 'ACTIVATIONS_MISMATCH'
  | 'DISPOSED'
  | 'EXPORT'
  | 'IO'
  // PyTorch checkpoints and weight-file detection
  | 'CHECKPOINT_FORMAT'
  | 'CHECKPOINT_GLOBAL'
  | 'WEIGHTS_FORMAT';

export class ResblocksError extends Error {
  readonly code: ErrorCode;
  /** Structured facts about the problem (key, expected and actual shape, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ResblocksError';
    this.code = code;
    this.details = details;
  }
}

export function isResblocksError(e: unknown, code?: ErrorCode): e is ResblocksError {
  return e instanceof ResblocksError && (code === undefined || e.code === code);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

import { type ErrorCode, isResblocksError } from '@resblocks/spec';

/**
 * A problem the user can fix. `exitCode` 2 is a usage error (bad flags, unknown names), 1 a runtime
 * failure (bad file contents, a backend that fails). `hint` says what to do about it.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: 1 | 2 = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export function usageError(message: string, hint: string): CliError {
  return new CliError(message, hint, 2);
}

/** What to do about each kind of library error. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  UNKNOWN_MODEL: 'Pick one of the models listed',
  UNKNOWN_BACKEND: 'Run `resblocks backends` to list the backends',
  BACKEND_UNAVAILABLE: 'Run `resblocks backends` to see which backends can run here and why not',
  INPUT_SHAPE: 'Pass a float32 tensor of shape [N, 3, H, W] large enough for the model',
  INPUT_TOO_SMALL: 'Pass a larger image (see the minimum size in the message)',
  INPUT_DTYPE: 'Convert the input to float32',
  WEIGHTS_MISSING: 'Use weights saved from the same architecture (or `resblocks init-weights`)',
  WEIGHTS_EXTRA: 'Use weights saved from the same architecture (or `resblocks init-weights`)',
  WEIGHTS_SHAPE: 'Use weights saved from the same architecture (or `resblocks init-weights`)',
  WEIGHTS_DTYPE: 'Save the weights as float tensors (F32, F16, BF16 or F64)',
  SAFETENSORS_FORMAT: 'Check that the file is a complete .safetensors file (re-download or re-save it)',
  CHECKPOINT_FORMAT:
    'Check that the file is a complete torch.save checkpoint of a state_dict (re-download or re-save it)',
  CHECKPOINT_GLOBAL:
    'If you trust the file, load it in PyTorch and save the weights alone: torch.save(model.state_dict(), path)',
  WEIGHTS_FORMAT: 'Pass a .safetensors file or a PyTorch .pth/.pt checkpoint',
  NPY_FORMAT: 'Save the input with numpy.save(path, array.astype(numpy.float32)) in C order',
  IMAGE_FORMAT: 'Check that the image is complete, or re-save it as an ordinary 8-bit PNG or baseline JPEG',
  INPUT_TOO_LARGE: 'Downscale the image first: the model sees 224x224 pixels after preprocessing',
  EXPORT: 'Check the model and weights; run `resblocks verify` to check the backends',
  IO: 'Check the path and permissions',
  DISPOSED: 'Compile the model again',
  UNKNOWN_NODE: 'Name values as `resblocks trace` lists them (torchvision module names)',
  ACTIVATIONS_MISMATCH:
    'Dump the activations of the same model, weights and input with packages/spec/scripts/activations/dump.py',
};

/** Error codes that mean the user named something that does not exist. */
const USAGE_CODES = new Set<ErrorCode>(['UNKNOWN_MODEL', 'UNKNOWN_BACKEND']);

export interface ErrorLine {
  line: string;
  exitCode: number;
}

function sentence(s: string): string {
  const t = s.trim().replace(/\s+/g, ' ');
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The one line printed for any error: `resblocks: error: <what is wrong>. <what to do>`. */
export function describeError(e: unknown): ErrorLine {
  if (e instanceof CliError) {
    return { line: `resblocks: error: ${sentence(e.message)} ${sentence(e.hint)}`, exitCode: e.exitCode };
  }
  if (isResblocksError(e)) {
    const hint = HINTS[e.code] ?? 'Run with --verbose for details';
    return {
      line: `resblocks: error: ${sentence(e.message)} ${sentence(hint)}`,
      exitCode: USAGE_CODES.has(e.code) ? 2 : 1,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    line: `resblocks: error: ${sentence(message || 'unexpected failure')} Run with --verbose for the stack trace.`,
    exitCode: 1,
  };
}

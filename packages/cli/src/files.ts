import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

/** Largest files read whole, checked before reading (Node reads at most 2 GiB at once). */
export const MAX_FILE_BYTES = {
  /** ResNet/ResNeXt weights are under 1 GB even as float64. */
  weights: 2 ** 31 - 1,
  /** An .npy batch or an image; a 100-megapixel RGBA PNG stored uncompressed is 400 MB. */
  input: 2 ** 30,
} as const;

const gib = (n: number) => `${(n / 2 ** 30).toFixed(n < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Reads a whole file, turning the usual failures into one clear error naming the path. Files
 * larger than `maxBytes` are refused before anything is read.
 */
export async function readInputFile(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new CliError(`${what} '${path}' is a directory`, `Pass the path of a file`);
    if (s.size > maxBytes)
      throw new CliError(
        `${what} '${path}' is ${gib(s.size)}, more than the ${gib(maxBytes)} read at most`,
        'Check that this is the right file',
      );
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} '${path}' does not exist`, 'Check the path');
    if (code === 'EACCES')
      throw new CliError(
        `${what} '${path}' cannot be read (permission denied)`,
        'Check the file permissions',
      );
    throw new CliError(
      `cannot read ${what} '${path}': ${(e as Error).message}`,
      'Check the path and permissions',
    );
  }
}

/** Temporary files being written right now, and whether the process is being interrupted. */
const pending = new Set<string>();
let interrupted = false;

/**
 * Called when the process is interrupted (Ctrl-C): deletes the temporary files of writes in
 * progress and makes writes that have not renamed theirs yet fail, so no output is left half done.
 */
export function removePartialOutputs(): void {
  interrupted = true;
  for (const tmp of pending) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created yet, or already renamed
    }
  }
  pending.clear();
}

/**
 * Writes through a temporary file in the same directory and renames it into place, so a failure
 * or an interruption never leaves a partial output behind and readers never see half a file.
 */
export async function writeOutputFile(
  path: string,
  data: Uint8Array | string,
  what = 'output',
): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const stopIfInterrupted = () => {
    if (interrupted)
      throw new CliError(`interrupted before ${what} '${path}' was written`, 'Run the command again');
  };
  try {
    stopIfInterrupted();
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory())
      throw new CliError(
        `the directory of ${what} '${path}' does not exist`,
        'Create it first or pick another path',
      );
    pending.add(tmp);
    await writeFile(tmp, data);
    stopIfInterrupted();
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if (e instanceof CliError) throw e;
    throw new CliError(
      `cannot write ${what} '${path}': ${(e as Error).message}`,
      'Check the path and permissions',
    );
  } finally {
    pending.delete(tmp);
  }
}

import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

/** Reads a whole file, turning the usual failures into one clear error naming the path. */
export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new CliError(`${what} '${path}' is a directory`, `Pass the path of a file`);
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

/**
 * Writes through a temporary file in the same directory and renames it into place, so a failure
 * never leaves a partial output behind and readers never see half a file.
 */
export async function writeOutputFile(
  path: string,
  data: Uint8Array | string,
  what = 'output',
): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory())
      throw new CliError(
        `the directory of ${what} '${path}' does not exist`,
        'Create it first or pick another path',
      );
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if (e instanceof CliError) throw e;
    throw new CliError(
      `cannot write ${what} '${path}': ${(e as Error).message}`,
      'Check the path and permissions',
    );
  }
}

import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export const XVFB = '/usr/bin/Xvfb';

export interface Display {
  /** The DISPLAY value, e.g. ":3". */
  readonly display: string;
  stop(): Promise<void>;
}

/**
 * A virtual X display of its own: Xvfb picks a free display number and writes it to fd 3, so
 * several runs on one machine never share or collide. Local connections only.
 */
export function startXvfb(): Promise<Display> {
  const child = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-2000);
  });
  return new Promise<Display>((resolve, reject) => {
    let out = '';
    const fd3 = child.stdio[3] as Readable;
    fd3.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ display: `:${m[1]}`, stop });
    });
    child.once('error', (e) => reject(new Error(`cannot start ${XVFB}: ${e.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`${XVFB} exited (${signal ?? code}) before it named a display: ${stderr.trim()}`)),
    );
  });
}

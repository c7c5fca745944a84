import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removePartialOutputs, writeOutputFile } from '../src/files.js';
import { BIN, tempDir } from './spawn.js';

/** Starts the command, sends `signal` once stderr shows `ready`, and collects how it ended. */
function interrupt(
  args: string[],
  ready: RegExp,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sentAt = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sentAt && ready.test(stderr)) {
        sentAt = performance.now();
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stderr, afterSignalMs: performance.now() - sentAt });
    });
  });
}

describe('Ctrl-C', () => {
  it('ends a long command with exit code 130, one line, and no output file', async () => {
    const dir = tempDir();
    const json = join(dir, 'soak.json');
    const r = await interrupt(
      ['soak', '--backend', 'reference:float64', '--runs', '1000000', '--size', '16', '--json', json],
      /soak reference:float64: /,
      'SIGINT',
    );
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('resblocks: interrupted (SIGINT); no partial output was written.');
    expect(r.afterSignalMs).toBeLessThan(10_000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGTERM ends it the same way with 143', async () => {
    const r = await interrupt(
      ['soak', '--backend', 'reference:float64', '--runs', '1000000', '--size', '16'],
      /soak reference:float64: /,
      'SIGTERM',
    );
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('resblocks: interrupted (SIGTERM)');
  });

  it('removes the temporary file of a write in progress, and the write never lands', async () => {
    const dir = tempDir();
    const target = join(dir, 'big.npy');
    const writing = writeOutputFile(target, new Uint8Array(64 * 2 ** 20), 'output file');
    removePartialOutputs(); // what the signal handler does, while the write is under way
    await expect(writing).rejects.toThrow(/interrupted before output file/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

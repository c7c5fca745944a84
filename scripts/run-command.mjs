// Runs a command without a shell and collects its output, for the release checks (publish-check.mjs,
// pack-smoke.mjs). npm's own noise about unknown config keys is dropped from stderr.
import { spawnSync } from 'node:child_process';

/** timeoutMs: kill the command after this long (none when left out). */
export function run(cmd, args, cwd, timeoutMs) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const stderr = (r.stderr ?? '')
    .split('\n')
    .filter((l) => l && !/Unknown (user|project|env) config/.test(l))
    .join('\n');
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr, error: r.error };
}

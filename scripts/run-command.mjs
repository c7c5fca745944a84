// Runs a command without a shell and collects its output, for the release checks (publish-check.mjs,
// pack-smoke.mjs, pack.mjs, bundler-apps.mjs). npm's own noise about unknown config keys is dropped from stderr.
import { spawn, spawnSync } from 'node:child_process';

/** timeoutMs: kill the command after this long (none when left out). */
export function run(cmd, args, cwd, timeoutMs) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: quiet(r.stderr),
    error: r.error,
  };
}

/** `run` without blocking, so that several commands run at once; resolves to the same result. */
export function runAsync(cmd, args, cwd, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let error;
    child.on('error', (e) => {
      error = e;
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr: quiet(stderr), error });
    });
  });
}

function quiet(stderr) {
  return (stderr ?? '')
    .split('\n')
    .filter((l) => l && !/Unknown (user|project|env) config/.test(l))
    .join('\n');
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CaseResult, ConformanceReport } from '../../conformance.js';
import type { VerifyOptions } from './options.js';

/**
 * Backends checked side by side, one child process each (`resblocks verify --backends ID` with this
 * variable set). Engines compile shaders and kernels on their calling thread, so processes, not
 * promises, are what use a second core; a backend that crashes its process fails only its own row.
 */
export const CHILD_ENV = 'RESBLOCKS_VERIFY_CHILD';

/** One line a child writes per event, on stdout. */
export type ChildEvent = { plan: number } | { case: CaseResult } | { report: ConformanceReport };

export function isChild(): boolean {
  return process.env[CHILD_ENV] === '1';
}

export function childLine(event: ChildEvent): string {
  return JSON.stringify(event);
}

/** The arguments that make a child check what this verify checks (its backend comes first). */
export function childArgs(o: VerifyOptions): string[] {
  return [
    ...(o.models ? ['--models', o.models.join(',')] : []),
    ...(o.full ? ['--full'] : []),
    ...(o.groups ? ['--groups', o.groups.join(',')] : []),
    ...(o.maxBlockCases !== undefined ? ['--max-block-cases', String(o.maxBlockCases)] : []),
    ...(o.randomGiven ? ['--random', String(o.randomCases)] : []),
    '--seed',
    String(o.seed),
    '--jobs',
    '1',
  ];
}

/** The built command; from the TypeScript sources (tests), the one built beside them. */
const BIN = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../../dist/bin.js' : '../../bin.js', import.meta.url),
);
/** Kept of a child's stderr, for the message when it dies. */
const STDERR_TAIL = 4000;

interface Job {
  readonly backend: string;
  /** The verify arguments after `--backends ID`. */
  readonly args: readonly string[];
  readonly onPlan: (n: number) => void;
  readonly onCase: (r: CaseResult) => void;
}

/** A report of one failed case, for a child that ended without one. */
function crashed(backend: string, why: string): ConformanceReport {
  const c: CaseResult = {
    id: 'backend/process',
    group: 'backend',
    backend: backend as CaseResult['backend'],
    status: 'fail',
    fraction: null,
    durationMs: 0,
    message: why,
  };
  return {
    backend: c.backend,
    info: {},
    startedAt: new Date().toISOString(),
    cases: [c],
    summary: { passed: 0, failed: 1, skipped: 0, worstFraction: null, durationMs: 0 },
  };
}

/** Children still running: ended with this process, however it exits (Ctrl-C included). */
const live = new Set<ChildProcess>();
const endAll = () => {
  for (const c of live) c.kill('SIGTERM');
};

function runJob(job: Job): Promise<ConformanceReport> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'verify', '--backends', job.backend, ...job.args], {
      env: { ...process.env, [CHILD_ENV]: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let report: ConformanceReport | undefined;
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
        if (!line.startsWith('{')) continue;
        let event: ChildEvent;
        try {
          event = JSON.parse(line) as ChildEvent;
        } catch {
          // An engine's own output on stdout, not an event.
          continue;
        }
        if ('plan' in event) job.onPlan(event.plan);
        else if ('case' in event) job.onCase(event.case);
        else report = event.report;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    child.on('close', (code, sig) => {
      live.delete(child);
      if (report) return resolve(report);
      const how = sig ? `was ended by ${sig}` : `exited with status ${code}`;
      const tail = stderr.trim().split('\n').slice(-6).join('\n');
      resolve(
        crashed(
          job.backend,
          `the process checking ${job.backend} ${how} before reporting${tail ? `:\n${tail}` : ''}`,
        ),
      );
    });
  });
}

/** Runs the jobs `parallel` at a time, in the order given; the reports come back in that order. */
export async function runJobs(jobs: readonly Job[], parallel: number): Promise<ConformanceReport[]> {
  process.once('exit', endAll);
  const reports: ConformanceReport[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      reports[i] = await runJob(jobs[i]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  } finally {
    process.off('exit', endAll);
  }
  return reports;
}

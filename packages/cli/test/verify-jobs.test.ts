import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJobs } from '../src/commands/verify/jobs.js';
import { resblocks, tempDir } from './spawn.js';

interface Doc {
  ok: boolean;
  options: { jobs: number };
  reports: { backend: string; cases: { id: string; status: string }[] }[];
}

/** Backends fast enough for two whole verify runs, one plain JavaScript and the float64 reference. */
const BACKENDS = 'reference:float64,tfjs:cpu';

async function verify(jobs: number): Promise<Doc> {
  const json = join(tempDir(), 'verify.json');
  const r = await resblocks([
    'verify',
    '--backends',
    BACKENDS,
    '--max-block-cases',
    '2',
    '--random',
    '2',
    '--jobs',
    String(jobs),
    '--json',
    json,
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/sampled without --full/);
  return JSON.parse(readFileSync(json, 'utf8')) as Doc;
}

describe('verify --jobs', () => {
  it('checks backends in child processes with the same cases and outcomes as one process', async () => {
    const [serial, parallel] = [await verify(1), await verify(2)];
    expect(parallel.options.jobs).toBe(2);
    const outcomes = (d: Doc) =>
      d.reports.map((r) => ({ backend: r.backend, cases: r.cases.map((c) => `${c.id} ${c.status}`) }));
    expect(outcomes(parallel)).toEqual(outcomes(serial));
    expect(parallel.reports.map((r) => r.backend)).toEqual(BACKENDS.split(','));
    expect(parallel.reports[1]!.cases.length).toBeGreaterThan(50);
  }, 240_000);

  it('reports a child that ends without a report as a failed case of its backend', async () => {
    const [report] = await runJobs(
      [{ backend: 'nope:nothing', args: [], onPlan: () => {}, onCase: () => {} }],
      1,
    );
    expect(report!.summary.failed).toBe(1);
    expect(report!.cases[0]).toMatchObject({ id: 'backend/process', status: 'fail' });
    expect(report!.cases[0]!.message).toMatch(/exited with status 2 before reporting:[\s\S]*unknown/);
  }, 60_000);
});

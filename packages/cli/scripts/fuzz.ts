/**
 * Fuzzes every reader of untrusted bytes with seeded, mutated files (not a test; CI runs a small
 * sample in test/fuzz.test.ts).
 *
 *   npm run fuzz -- [--readers safetensors,npy,png,jpeg] [--iterations 10000] [--seed N]
 *                   [--only ITERATION] [--rss-bound-mib 256] [--slow-ms 5000]
 *                   [--save DIR] [--json FILE]
 *
 * Each reader must read each file or reject it with one of its typed errors, within --slow-ms,
 * while the process's peak RSS stays within --rss-bound-mib of its value after the warm-up (the
 * stated allocation bound: the mutated files are kilobytes, so an allocation sized from a
 * header's claims shows up as hundreds of megabytes). Prints a JSON report; on a failure it
 * prints the seed and iteration to replay (--only) and exits 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzReader } from './fuzz/run.js';
import { FUZZ_TARGETS } from './fuzz/targets.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const names = flag('readers', FUZZ_TARGETS.map((t) => t.name).join(',')).split(',');
const unknown = names.filter((n) => !FUZZ_TARGETS.some((t) => t.name === n));
if (unknown.length) {
  process.stderr.write(
    `unknown reader(s) ${unknown.join(', ')}; known: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}\n`,
  );
  process.exit(2);
}
const iterations = Number(flag('iterations', '10000'));
const seed = Number(flag('seed', String(Date.now() % 2 ** 31)));
const onlyFlag = flag('only', '');
const save = flag('save', '');
const options = {
  iterations,
  seed,
  ...(onlyFlag ? { only: Number(onlyFlag) } : {}),
  rssBoundBytes: Number(flag('rss-bound-mib', '256')) * 2 ** 20,
  slowMs: Number(flag('slow-ms', '5000')),
  onFailure: (f: { reader: string; iteration: number; problem: string }, file: Uint8Array) => {
    process.stderr.write(
      `fuzz: ${f.reader} failed at iteration ${f.iteration} with seed ${seed}: ${f.problem}\n` +
        `  replay: npm run fuzz -- --readers ${f.reader} --seed ${seed} --only ${f.iteration}\n`,
    );
    if (save) {
      mkdirSync(save, { recursive: true });
      const path = join(save, `${f.reader}-${seed}-${f.iteration}.bin`);
      writeFileSync(path, file);
      process.stderr.write(`  file: ${path}\n`);
    }
  },
};
process.stderr.write(`fuzz: seed ${seed}, ${iterations} files per reader\n`);
const started = performance.now();
const reports = [];
for (const name of names) {
  const report = await fuzzReader(FUZZ_TARGETS.find((t) => t.name === name)!, options);
  reports.push(report);
  process.stderr.write(
    `fuzz: ${name}: ${report.files} files, ${report.accepted} read, ${report.files - report.accepted - report.failures.length} rejected, ` +
      `max ${report.maxReadMs} ms, peak RSS ${report.peakRssMiB} MiB (start ${report.rssStartMiB})\n`,
  );
}
const ok = reports.every((r) => r.failures.length === 0);
const json = JSON.stringify(
  {
    ok,
    seed,
    iterations,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    node: process.version,
    readers: reports,
  },
  null,
  2,
);
const out = flag('json', '');
if (out) writeFileSync(out, `${json}\n`);
process.stdout.write(`${json}\n`);
process.exit(ok ? 0 : 1);

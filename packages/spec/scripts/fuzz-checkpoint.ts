/**
 * Long run of the checkpoint fuzz (the CI test runs a small sample of the same mutations).
 * Usage: npm run fuzz:checkpoint -w @resblocks/spec -- [--count 20000] [--seed S] [--json FILE]
 * Prints the totals as JSON; exits 1 at the first mutated file that is neither read consistently
 * nor refused with a typed error, naming the seed and the case to replay.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fuzzCheckpoints } from '../test/checkpoint-mutations.js';

const { values } = parseArgs({
  options: { count: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' } },
});
const count = Number(values.count ?? 20_000);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
try {
  const totals = fuzzCheckpoints(seed, count);
  const doc = {
    ...totals,
    casesPerSecond: Math.round((1000 * count) / totals.ms),
    machine: `Node ${process.version}; ${cpus()[0]?.model.trim()} x${cpus().length}`,
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (values.json) writeFileSync(values.json, text);
  process.stdout.write(text);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}

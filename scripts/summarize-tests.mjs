// Adds up the vitest JSON reports (packages/*/reports/vitest.json) into one line:
//   N passed, M failed, K skipped
// printed last. Exits non-zero when a test failed, a test file failed to load, a package expected to
// test left no report (its tests did not run), or no test ran at all.
// Usage: node scripts/summarize-tests.mjs [PLAN.json]
// PLAN.json is `turbo run test --dry=json` output: the packages it would test are the ones expected;
// without it, every package with a `test` script is.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

// The first lines of an error message that are not a native library's warning or a stack frame.
function messageLines(message, count) {
  const lines = String(message ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Warning:|- While |at )/.test(l))
    .slice(0, count)
    .map((l) => l.replace(/^:\s*/, '').slice(0, 300));
  return lines.length ? lines : ['failed'];
}
const headline = (message) => messageLines(message, 1)[0];

function expectedDirs() {
  const planPath = process.argv[2];
  if (planPath) {
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    return plan.tasks
      .filter((t) => t.task === 'test' && t.command !== '<NONEXISTENT>')
      .map((t) => join(root, t.directory))
      .sort();
  }
  return readdirSync(packagesDir)
    .map((d) => join(packagesDir, d))
    .filter((d) => existsSync(join(d, 'package.json')))
    .filter((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).scripts?.test)
    .sort();
}

for (const dir of expectedDirs()) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const reportPath = join(dir, 'reports', 'vitest.json');
  if (!existsSync(reportPath)) {
    failed += 1;
    problems.push(`${manifest.name}: no test report (its tests did not run; see the output above)`);
    continue;
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const p = report.numPassedTests ?? 0;
  let f = report.numFailedTests ?? 0;
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to load, or an error outside any test, fails no test: count it as one failure.
  for (const file of report.testResults ?? []) {
    const failures = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    const anyFailed = failures.length > 0;
    // Name each failed test with its message here, last, where a truncated log still shows it.
    for (const a of failures) {
      const where = `${manifest.name}: ${relative(root, file.name)}: ${a.fullName}`;
      const lines = messageLines(a.failureMessages?.[0], 4).map((l) => `      ${l}`);
      problems.push([where, ...lines].join('\n'));
    }
    if (file.status === 'failed' && !anyFailed) {
      f += 1;
      problems.push(`${manifest.name}: ${relative(root, file.name)}: ${headline(file.message)}`);
    }
  }
  if (report.success === false && f === 0) {
    f += 1;
    const files = report.testResults?.length ?? 0;
    problems.push(
      files === 0
        ? `${manifest.name}: no test files found`
        : `${manifest.name}: vitest failed outside any test (an unhandled error; see the output above)`,
    );
  }
  passed += p;
  failed += f;
  skipped += s;
  console.log(`  ${manifest.name}: ${p} passed, ${f} failed, ${s} skipped`);
}

for (const problem of problems) console.log(`  ${problem}`);
if (passed + failed === 0) console.log('  no test ran at all');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

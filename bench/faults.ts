// `npm run bench:faults`: runs the fault suite (test/faults/, one file at a time, as `npm test` runs it), and the
// cluster's fault scenarios when the test cluster is built, with FAULTS_REPORT set, prints the table of its report lines, and writes it into docs/reliability.md's generated
// section. The document is left as it was when a scenario fails: its figures would not be the promise's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPaths } from '@spool/test-cluster';
import { repoRoot } from '../test/support/local-functions.js';
import { parseReports, renderTable, withFaultsTable } from '../scripts/faults-table.js';

const dir = mkdtempSync(join(tmpdir(), 'spool-bench-faults-'));
const reportFile = join(dir, 'report.jsonl');
const runJest = (args: readonly string[]): number | null =>
  spawnSync(
    process.execPath,
    ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci', ...args],
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, FAULTS_REPORT: reportFile },
    },
  ).status;
const statuses = [runJest(['--selectProjects', 'faults', '--runInBand', '--forceExit'])];
// Kubernetes mode's scenarios need the test cluster's binaries (bash test/cluster/build.sh, minutes cold).
if (existsSync(binaryPaths().kubeApiserver)) {
  statuses.push(
    runJest(['--selectProjects', 'cluster', '--runInBand', '--', 'test/integration/cluster/faults.test.ts']),
  );
} else console.warn('bench:faults: the test cluster is not built, so its fault scenarios are left out');
let text = '';
try {
  text = readFileSync(reportFile, 'utf8');
} catch {
  // No scenario reported: the table is empty and the run failed below.
}
rmSync(dir, { recursive: true, force: true });
const reports = parseReports(text);
const table = renderTable(reports);
console.log(`\n${table}\n`);
if (statuses.some((status) => status !== 0) || reports.length === 0) {
  console.error(
    `bench:faults: a fault scenario failed (exits ${statuses.join(', ')}); docs/reliability.md unchanged`,
  );
  process.exit(1);
}
const docPath = join(repoRoot, 'docs/reliability.md');
writeFileSync(docPath, withFaultsTable(readFileSync(docPath, 'utf8'), table));
// The repository's own formatting (aligned columns), so `npm run -s lint` passes on the written page.
spawnSync(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--write', docPath], {
  cwd: repoRoot,
});
console.log(`bench:faults: ${reports.length} scenarios written to docs/reliability.md`);

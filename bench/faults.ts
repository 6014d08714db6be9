// `npm run bench:faults`: runs the fault suite (test/faults/, one file at a time, as `npm test` runs it) with
// FAULTS_REPORT set, prints the table of its report lines, and writes it into docs/reliability.md's generated
// section. The document is left as it was when a scenario fails: its figures would not be the promise's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/local-functions.js';
import { parseReports, renderTable, withFaultsTable } from '../scripts/faults-table.js';

const dir = mkdtempSync(join(tmpdir(), 'spool-bench-faults-'));
const reportFile = join(dir, 'report.jsonl');
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    'node_modules/jest/bin/jest.js',
    '--ci',
    '--selectProjects',
    'faults',
    '--runInBand',
    '--forceExit',
  ],
  { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, FAULTS_REPORT: reportFile } },
);
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
if (jest.status !== 0 || reports.length === 0) {
  console.error(
    `bench:faults: the fault suite failed (exit ${jest.status ?? jest.signal}); docs/reliability.md unchanged`,
  );
  process.exit(1);
}
const docPath = join(repoRoot, 'docs/reliability.md');
writeFileSync(docPath, withFaultsTable(readFileSync(docPath, 'utf8'), table));
console.log(`bench:faults: ${reports.length} scenarios written to docs/reliability.md`);

// Stops the test control plane this run started, unless SPOOL_KEEP_CLUSTER=1 asks to keep it for a look by hand.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const workspaceRoot = resolve(__dirname, '..');
const repoRoot = resolve(workspaceRoot, '..', '..');

export default function teardown(): void {
  const startedByRun =
    (globalThis as { spoolClusterStartedByRun?: boolean }).spoolClusterStartedByRun ?? false;
  if (!startedByRun || process.env['SPOOL_KEEP_CLUSTER'] === '1') return;
  execFileSync(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [join(workspaceRoot, 'src', 'cli.ts'), 'down'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
}

// Jest global setup for the cluster tier: builds (or reuses the cache) and starts the test control plane once per run.
// It runs the CLI in a child process: jest loads global setup as CommonJS, and the cluster code is ESM.
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const workspaceRoot = resolve(__dirname, '..');
const repoRoot = resolve(workspaceRoot, '..', '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const cli = join(workspaceRoot, 'src', 'cli.ts');

export default function setup(): void {
  const alreadyRunning = spawnSync(tsx, [cli, 'status'], { cwd: repoRoot, stdio: 'ignore' }).status === 0;
  if (!alreadyRunning) execFileSync(tsx, [cli, 'up'], { cwd: repoRoot, stdio: 'inherit' });
  process.env['KUBECONFIG'] = join(
    process.env['SPOOL_CLUSTER_DIR'] ?? join(repoRoot, '.cluster'),
    'kubeconfig',
  );
  // A cluster someone started by hand stays up after the run; one started here is stopped.
  (globalThis as { spoolClusterStartedByRun?: boolean }).spoolClusterStartedByRun = !alreadyRunning;
}

// `npm start`'s own launcher (scripts/local.ts) run by a fault test: its state folder, its stack file, its output,
// and a kill of whatever of the stack is left if a test ends before the launcher was stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signal, taggedProcesses } from '../../../scripts/stack-processes.js';
import { eventually } from '../../support/eventually.js';
import { repoRoot } from '../../support/local-functions.js';
import { freePort } from '../../support/redis-server.js';
import { call } from './tally.js';

export interface StackFile {
  readonly pid: number;
  readonly stack: string;
  readonly children: Record<'redis' | 'controller' | 'gateway', number | null>;
}

export interface Launcher {
  readonly process: ChildProcess;
  readonly url: string;
  readonly stateDir: string;
  /** The count function's execution log (test/faults/fixtures/count). */
  readonly countLog: string;
  stackFile(): StackFile;
  /** Everything the launcher and its children printed so far. */
  output(): string;
  /** Kills whatever of this stack is left and removes its folder. */
  remove(): void;
}

/**
 * test/faults/fixtures copied into `stateDir`, with COUNT_LOG in the count function's spec: the user process sees
 * only its spec's env (issue 11, item 2), not the launcher's.
 */
function functionsDir(stateDir: string, countLog: string): string {
  const dir = join(stateDir, 'functions');
  cpSync(join(repoRoot, 'test/faults/fixtures'), dir, { recursive: true });
  const yaml = join(dir, 'count', 'function.yaml');
  const spec = readFileSync(yaml, 'utf8').replace(
    /^spec:\n/m,
    `spec:\n  env:\n    - name: COUNT_LOG\n      value: ${JSON.stringify(countLog)}\n`,
  );
  writeFileSync(yaml, spec);
  return dir;
}

/**
 * The launcher serving test/faults/fixtures, started as `npm start` starts it, with its defaults; resolves once a
 * first call is answered 200 (which also waits for the controller to start the function's replica).
 */
export async function startLauncher(): Promise<Launcher> {
  const stateDir = mkdtempSync(join(tmpdir(), 'spool-fault-stack-'));
  const countLog = join(stateDir, 'runs.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/local.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SPOOL_STATE_DIR: stateDir,
      SPOOL_PORT: String(port),
      SPOOL_FUNCTIONS_DIR: functionsDir(stateDir, countLog),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stackFile = (): StackFile =>
    JSON.parse(readFileSync(join(stateDir, 'local-stack.json'), 'utf8')) as StackFile;
  const launcher: Launcher = {
    process: child,
    url,
    stateDir,
    countLog,
    stackFile,
    output: () => output,
    remove: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (existsSync(join(stateDir, 'local-stack.json'))) {
        // signal() ignores a process that exited since the scan: process.kill threw there, and left the rest (its
        // redis-server among them) running. Scanned again until none is left, for a child forked meanwhile.
        const stack = `${stackFile().stack}/`;
        for (let i = 0; i < 50 && taggedProcesses(stack).length > 0; i += 1)
          for (const p of taggedProcesses(stack)) signal(p.pid, 'SIGKILL');
      }
      rmSync(stateDir, { recursive: true, force: true });
      // Its children inherited these pipes: a process of the stack still exiting must not keep the test runner open.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
    },
  };
  await eventually(
    async () => {
      const { status } = await call(`${url}/function/count?id=first`, 'first');
      if (status !== 200) throw new Error(`the stack answered ${status}`);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return launcher;
}

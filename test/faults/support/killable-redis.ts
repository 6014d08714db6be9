// A redis-server a fault test owns: killed, frozen and restarted on the same port and data folder (AOF on, as
// `npm start` runs it), never the suite's shared Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForReady } from '../../support/redis-server.js';

export interface KillableRedis {
  readonly url: string;
  readonly port: number;
  pid(): number;
  /** Starts it (again) on the same port and folder; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit (SIGSTOP/SIGCONT only send). */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

export async function killableRedis(): Promise<KillableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'spool-fault-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = (c: ChildProcess): Promise<void> =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => c.once('exit', () => resolve()));
  const redis: KillableRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid ?? 0,
    async start() {
      if (running()) return;
      const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir];
      args.push('--appendonly', 'yes', '--save', '', '--loglevel', 'notice');
      child = spawn(process.env['SPOOL_REDIS_SERVER'] ?? 'redis-server', args, {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await waitForReady(child);
    },
    async signal(signal) {
      const c = child;
      if (c === undefined || !running()) return;
      c.kill(signal);
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited(c);
    },
    async remove() {
      if (child && running()) {
        child.kill('SIGCONT');
        await redis.signal('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

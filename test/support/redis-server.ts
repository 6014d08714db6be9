// Starts a real redis-server (the machine's binary) on a free loopback port with data in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once a spawned redis-server says it accepts connections; its later output is drained, not kept. */
export function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
}

/**
 * `requirePass`: the default user's password, as the product starts Redis (test/support/redis-auth.ts); `args` are
 * added to the command line, e.g. cluster mode's (test/support/redis-cluster.ts).
 */
export async function startRedisServer(
  options: {
    readonly requirePass?: string;
    readonly binary?: string;
    readonly args?: readonly string[];
  } = {},
): Promise<RedisServer> {
  const binary = options.binary ?? process.env['SPOOL_REDIS_SERVER'] ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'spool-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'notice',
      ...(options.requirePass === undefined ? [] : ['--requirepass', options.requirePass]),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitForReady(child);
  child.stdout?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

// Issue 12 item 1 with real processes: a watchdog told to give up (as the controller's Deployment tells it) exits
// after 3 quick crashes of its user process at start, leaving the exit and stderr tail as its termination
// message; one left at the default (0, local mode) keeps restarting and stays up.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchdogEnv } from '@spool/api';
import { eventually } from '../../support/eventually.js';
import { repoRoot, testFunction } from '../../support/local-functions.js';
import { testRedisUrl } from '../../support/redis.js';

jest.setTimeout(60_000);

const crashing = testFunction(
  {
    image: 'x',
    command: [process.execPath, '-e', 'process.stderr.write("no config.json\\n"); process.exit(3)'],
  },
  'gives-up',
);

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function startWatchdog(extra: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [join(repoRoot, 'watchdog/dist/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ...watchdogEnv(crashing, { redisUrl: testRedisUrl(), host: '127.0.0.1', port: 0 }),
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  started.push(child);
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('a watchdog whose user process crashes at start', () => {
  test('told to give up after 3: exits 1 with the exit and stderr tail as termination message', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'spool-termination-')), 'termination-log');
    const { exited } = startWatchdog({
      SPOOL_EXIT_AFTER_START_CRASHES: '3',
      SPOOL_TERMINATION_MESSAGE_PATH: file,
    });
    expect({ code: await exited, message: readFileSync(file, 'utf8') }).toEqual({
      code: 1,
      message: 'user process exited with code 3: no config.json',
    });
  });

  test('with the default (local mode): restarts well past 3 crashes and stays up', async () => {
    const { child } = startWatchdog({ SPOOL_RESTART_BACKOFF_MAX_MS: '200' });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    const restarts = (): number => log.split('user process exited; restarting').length - 1;
    await eventually(() => Promise.resolve(expect(restarts()).toBeGreaterThanOrEqual(6)), {
      timeoutMs: 20_000,
    });
    expect({ alive: child.exitCode === null, gaveUp: log.includes('giving up') }).toEqual({
      alive: true,
      gaveUp: false,
    });
  });
});

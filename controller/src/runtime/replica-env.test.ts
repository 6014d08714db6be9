import { describe, expect, test } from '@jest/globals';
import { defaultQueueLockConfig, resolveFunction } from '@spool/api';
import { freeIndex, replicaEnv, replicaLogPath } from './replica-env.js';

const fn = resolveFunction({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name: 'echo', namespace: 'team-a' },
  spec: { image: 'echo:1', command: ['node', 'server.mjs'], workingDir: '/srv/echo' },
});

describe('replicaEnv', () => {
  test.each([
    { name: 'inherits PATH', key: 'PATH', want: '/usr/bin' },
    { name: 'drops the parent SPOOL_ settings', key: 'SPOOL_METRICS_PORT', want: undefined },
    { name: 'names the function', key: 'SPOOL_FUNCTION_NAME', want: 'echo' },
    { name: 'names the namespace', key: 'SPOOL_FUNCTION_NAMESPACE', want: 'team-a' },
    { name: 'binds the watchdog to loopback', key: 'SPOOL_WATCHDOG_HOST', want: '127.0.0.1' },
    { name: 'gives the watchdog its port', key: 'SPOOL_WATCHDOG_PORT', want: '40001' },
    { name: 'gives the user process its port', key: 'SPOOL_USER_PORT', want: '40002' },
    { name: 'passes the Redis URL', key: 'SPOOL_REDIS_URL', want: 'redis://127.0.0.1:6390' },
    { name: 'binds the watchdog to the runtime over fd 3', key: 'SPOOL_LIFELINE_FD', want: '3' },
    { name: "passes the controller's lock settings", key: 'SPOOL_LOCK_DURATION_MS', want: '7000' },
  ])('$name', ({ key, want }) => {
    const env = replicaEnv(fn, {
      baseEnv: { PATH: '/usr/bin', SPOOL_METRICS_PORT: '8082', UNSET: undefined },
      watchdog: { lock: { ...defaultQueueLockConfig(), lockDurationMs: 7000 } },
      redisUrl: 'redis://127.0.0.1:6390',
      watchdogPort: 40001,
      userPort: 40002,
    });
    expect(env[key]).toBe(want);
  });

  test('passes watchdog settings, but its own Redis and ports win', () => {
    const env = replicaEnv(fn, {
      baseEnv: {},
      watchdog: {
        lock: { ...defaultQueueLockConfig(), lockDurationMs: 2000 },
        port: 1,
        redisUrl: 'redis://elsewhere:1',
      },
      redisUrl: 'redis://127.0.0.1:6390',
      watchdogPort: 40001,
      userPort: 40002,
    });
    expect(env).toMatchObject({
      SPOOL_LOCK_DURATION_MS: '2000',
      SPOOL_WATCHDOG_PORT: '40001',
      SPOOL_REDIS_URL: 'redis://127.0.0.1:6390',
    });
  });

  test('passes the resolved spec as JSON', () => {
    const env = replicaEnv(fn, { baseEnv: {}, redisUrl: 'redis://x:1', watchdogPort: 1, userPort: 2 });
    expect(JSON.parse(env['SPOOL_FUNCTION_SPEC'] ?? '')).toEqual(fn.spec);
  });
});

describe('replica bookkeeping', () => {
  test.each([
    { name: 'first replica', taken: [], want: 0 },
    { name: 'next after a run', taken: [0, 1, 2], want: 3 },
    { name: 'fills a gap', taken: [0, 2], want: 1 },
  ])('freeIndex: $name', ({ taken, want }) => {
    expect(freeIndex(taken)).toBe(want);
  });

  test('log path names namespace, function and index', () => {
    expect(replicaLogPath('/var/spool', { namespace: 'team-a', name: 'echo' }, 2)).toBe(
      '/var/spool/logs/team-a.echo-2.log',
    );
  });
});

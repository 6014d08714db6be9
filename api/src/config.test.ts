import { describe, expect, test } from '@jest/globals';
import {
  defaultGatewayConfig,
  defaultQueueLockConfig,
  parseControllerConfig,
  parseRedisAuth,
  parseGatewayConfig,
  parseQueueLockConfig,
  parseWatchdogConfig,
  watchdogEnv,
  type WatchdogSettings,
  queueLockEnv,
} from './config.js';
import { resolveFunction, type ResolvedFunction } from './function.js';

const spec = JSON.stringify({ image: 'i', command: ['node', 'server.mjs'] });

describe('parseGatewayConfig', () => {
  test('an empty local env gives the defaults plus the folder', () => {
    expect(parseGatewayConfig({ SPOOL_FUNCTIONS_DIR: 'examples' })).toEqual({
      ...defaultGatewayConfig(),
      functionsDir: 'examples',
    });
  });

  test('the result is frozen', () => {
    expect(Object.isFrozen(parseGatewayConfig({ SPOOL_FUNCTIONS_DIR: 'x' }))).toBe(true);
  });

  test.each([
    {
      name: 'body size with a unit',
      env: { SPOOL_MAX_BODY_BYTES: '10mb' },
      error: 'SPOOL_MAX_BODY_BYTES must be an integer ≥ 1, was: "10mb"',
    },
    {
      name: 'port out of range',
      env: { SPOOL_PORT: '70000' },
      error: 'SPOOL_PORT must be an integer from 0 to 65535, was: "70000"',
    },
    {
      name: 'unknown registry',
      env: { SPOOL_REGISTRY: 'etcd' },
      error: 'SPOOL_REGISTRY must be one of local, kubernetes, was: "etcd"',
    },
    {
      name: 'enqueue deadline of zero',
      env: { SPOOL_ENQUEUE_TIMEOUT_MS: '0' },
      error: 'SPOOL_ENQUEUE_TIMEOUT_MS must be an integer ≥ 1, was: "0"',
    },
    {
      name: 'redis URL',
      env: { SPOOL_REDIS_URL: 'localhost:6379' },
      error:
        'SPOOL_REDIS_URL must be a redis:// or rediss:// URL, or redis-cluster://host:port,host:port for a cluster, was: "localhost:6379"',
    },
  ])('rejects $name', ({ env, error }) => {
    expect(() => parseGatewayConfig({ SPOOL_FUNCTIONS_DIR: 'x', ...env })).toThrow(error);
  });

  test('local mode needs the functions folder', () => {
    expect(() => parseGatewayConfig({})).toThrow(
      'SPOOL_FUNCTIONS_DIR is required when SPOOL_REGISTRY is local',
    );
  });

  test.each([
    {
      name: 'namespaces list',
      env: { SPOOL_NAMESPACES: 'a, b,,c' },
      key: 'namespaces',
      want: ['a', 'b', 'c'],
    },
    { name: 'admin token', env: { SPOOL_ADMIN_TOKEN: 's3cret' }, key: 'adminToken', want: 's3cret' },
    { name: 'blank means default', env: { SPOOL_PORT: '  ' }, key: 'port', want: 8080 },
    {
      name: 'enqueue deadline',
      env: { SPOOL_ENQUEUE_TIMEOUT_MS: '500' },
      key: 'enqueueTimeoutMs',
      want: 500,
    },
    { name: 'enqueue deadline default', env: {}, key: 'enqueueTimeoutMs', want: 2000 },
  ] as const)('reads $name', ({ env, key, want }) => {
    expect(parseGatewayConfig({ SPOOL_FUNCTIONS_DIR: 'x', ...env })[key]).toEqual(want);
  });
});

describe('parseWatchdogConfig', () => {
  test('defaults the user port from the spec', () => {
    const config = parseWatchdogConfig({ SPOOL_FUNCTION_NAME: 'echo', SPOOL_FUNCTION_SPEC: spec });
    expect({
      port: config.userPort,
      ns: config.function.namespace,
      timeout: config.spec.timeoutSeconds,
    }).toEqual({
      port: 8080,
      ns: 'default',
      timeout: 30,
    });
  });

  test.each([
    {
      name: 'no function name',
      env: { SPOOL_FUNCTION_SPEC: spec },
      error: 'SPOOL_FUNCTION_NAME is required',
    },
    {
      name: 'spec not JSON',
      env: { SPOOL_FUNCTION_NAME: 'a', SPOOL_FUNCTION_SPEC: '{' },
      error: 'SPOOL_FUNCTION_SPEC must be JSON',
    },
    {
      name: 'invalid spec',
      env: {
        SPOOL_FUNCTION_NAME: 'a',
        SPOOL_FUNCTION_SPEC: JSON.stringify({ image: 'i', command: [], mode: 'x' }),
      },
      error:
        'SPOOL_FUNCTION_SPEC is not a valid Function spec: spec.command must have at least 1 items; spec.mode must be one of http, fork',
    },
    {
      name: 'watchdog port equal to user port',
      env: { SPOOL_FUNCTION_NAME: 'a', SPOOL_FUNCTION_SPEC: spec, SPOOL_WATCHDOG_PORT: '8080' },
      error: 'SPOOL_WATCHDOG_PORT must differ from the user port 8080, was: "8080"',
    },
  ])('rejects $name', ({ env, error }) => {
    expect(() => parseWatchdogConfig(env)).toThrow(error);
  });
});

const fnAt = (namespace: string, spec: Record<string, unknown>): ResolvedFunction =>
  resolveFunction({
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: 'echo', namespace },
    spec: { image: 'registry.local/echo:1', command: ['node', 'server.mjs'], ...spec },
  });

const functions = [
  { fnName: 'http defaults', fn: fnAt('default', {}) },
  {
    fnName: 'fork mode in a team namespace',
    fn: fnAt('team-a', { mode: 'fork', timeoutSeconds: 5, env: [{ name: 'A', value: 'b=c,d' }] }),
  },
  {
    fnName: 'http on its own port with args and scale',
    fn: fnAt('team-b', { port: 9000, args: ['--x', 'y z'], scale: { min: 1, max: 4 }, concurrency: 3 }),
  },
];

// Every value differs from its default, so a setting the parse ignored would show.
const allSettings: WatchdogSettings = {
  redisUrl: 'rediss://user:pw@redis.example:6380/2',
  redisAuth: { username: 'spool-fn-team-a.echo', password: 'a-password-of-32-characters-----' },
  port: 18081,
  host: '10.0.0.7',
  userHost: '10.0.0.8',
  userPort: 18080,
  killGraceMs: 0,
  startTimeoutMs: 5000,
  restartBackoffMaxMs: 500,
  exitAfterStartCrashes: 3,
  terminationMessagePath: '/dev/termination-log',
  lifelineFd: 3,
  lock: { lockDurationMs: 2000, lockRenewMs: 700, stalledIntervalMs: 900, maxStalledCount: 3 },
};

const settingsRows: { settingsName: string; settings: Partial<WatchdogSettings> }[] = [
  { settingsName: 'no settings', settings: {} },
  { settingsName: 'every setting', settings: allSettings },
  {
    settingsName: 'what a pod is given',
    settings: { redisUrl: 'redis://redis:6379', port: 8081 },
  },
  {
    settingsName: 'what a local replica is given',
    settings: { redisUrl: 'redis://127.0.0.1:6390', host: '127.0.0.1', port: 0, userPort: 40002 },
  },
];

describe('watchdogEnv', () => {
  test.each(functions.flatMap((f) => settingsRows.map((s) => ({ ...f, ...s }))))(
    'parseWatchdogConfig reads back $fnName with $settingsName',
    ({ fn, settings }) => {
      const config = parseWatchdogConfig(watchdogEnv(fn, settings));
      expect(config.function).toEqual({ name: fn.metadata.name, namespace: fn.metadata.namespace });
      expect(config.spec).toEqual(fn.spec);
      expect(
        Object.fromEntries(Object.keys(settings).map((k) => [k, config[k as keyof WatchdogSettings]])),
      ).toEqual(settings);
    },
  );

  test.each(functions)('every setting round-trips exactly for $fnName', ({ fn }) => {
    expect(parseWatchdogConfig(watchdogEnv(fn, allSettings))).toEqual({
      function: { name: fn.metadata.name, namespace: fn.metadata.namespace },
      spec: fn.spec,
      ...allSettings,
    });
  });

  test('a setting left out is left out, so the watchdog default applies', () => {
    const fn = fnAt('default', {});
    expect(watchdogEnv(fn, { port: 8081 })).toEqual({
      SPOOL_FUNCTION_NAME: 'echo',
      SPOOL_FUNCTION_NAMESPACE: 'default',
      SPOOL_FUNCTION_SPEC: JSON.stringify(fn.spec),
      SPOOL_WATCHDOG_PORT: '8081',
    });
    expect(parseWatchdogConfig(watchdogEnv(fn))).toEqual({
      function: { name: 'echo', namespace: 'default' },
      spec: fn.spec,
      redisUrl: 'redis://127.0.0.1:6379',
      redisAuth: { username: undefined, password: undefined },
      host: '0.0.0.0',
      port: 8081,
      userHost: '127.0.0.1',
      userPort: 8080,
      killGraceMs: 1000,
      startTimeoutMs: 30_000,
      restartBackoffMaxMs: 10_000,
      exitAfterStartCrashes: 0,
      terminationMessagePath: undefined,
      lifelineFd: undefined,
      lock: defaultQueueLockConfig(),
    });
  });
});

describe('parseRedisAuth', () => {
  test.each([
    { name: 'none', env: {}, want: { username: undefined, password: undefined } },
    {
      name: 'a user and its password',
      env: { SPOOL_REDIS_USERNAME: 'spool-gateway', SPOOL_REDIS_PASSWORD: 'p' },
      want: { username: 'spool-gateway', password: 'p' },
    },
    {
      name: 'a password alone (the default user)',
      env: { SPOOL_REDIS_PASSWORD: 'p' },
      want: { username: undefined, password: 'p' },
    },
  ])('$name', ({ env, want }) => {
    expect(parseRedisAuth(env)).toEqual(want);
  });

  test('a user without a password is refused', () => {
    expect(() => parseRedisAuth({ SPOOL_REDIS_USERNAME: 'spool-gateway' })).toThrow(
      'SPOOL_REDIS_PASSWORD is required when SPOOL_REDIS_USERNAME is set',
    );
  });

  test('the bootstrap needs the controller user and the gateway password', () => {
    const base = { SPOOL_RUNTIME: 'kubernetes', SPOOL_REDIS_ADMIN_PASSWORD: 'admin' };
    expect(() => parseControllerConfig(base)).toThrow('SPOOL_REDIS_GATEWAY_PASSWORD is required');
    expect(() => parseControllerConfig({ ...base, SPOOL_REDIS_GATEWAY_PASSWORD: 'g' })).toThrow(
      'SPOOL_REDIS_USERNAME must be spool-controller',
    );
    expect(
      parseControllerConfig({
        ...base,
        SPOOL_REDIS_GATEWAY_PASSWORD: 'g',
        SPOOL_REDIS_USERNAME: 'spool-controller',
        SPOOL_REDIS_PASSWORD: 'c',
      }).redisBootstrap,
    ).toEqual({ adminPassword: 'admin', gatewayPassword: 'g' });
  });

  test('Redis ACL is on unless turned off', () => {
    expect(parseControllerConfig({ SPOOL_RUNTIME: 'kubernetes' }).redisAcl).toBe('on');
    expect(parseControllerConfig({ SPOOL_RUNTIME: 'kubernetes', SPOOL_REDIS_ACL: 'off' }).redisAcl).toBe(
      'off',
    );
  });

  test('SPOOL_LOCAL_MAX_REPLICAS: unset leaves it to the cores, else a count from 1', () => {
    const base = { SPOOL_RUNTIME: 'kubernetes' };
    expect(parseControllerConfig(base).localMaxReplicas).toBeUndefined();
    expect(parseControllerConfig({ ...base, SPOOL_LOCAL_MAX_REPLICAS: '4' }).localMaxReplicas).toBe(4);
    expect(() => parseControllerConfig({ ...base, SPOOL_LOCAL_MAX_REPLICAS: '0' })).toThrow(
      'SPOOL_LOCAL_MAX_REPLICAS',
    );
  });

  test('a Redis Cluster needs ACL off: Spool provisions per-function users on one connection, not every node', () => {
    const cluster = {
      SPOOL_RUNTIME: 'kubernetes',
      SPOOL_REDIS_URL: 'redis-cluster://10.0.0.1:7000,10.0.0.2:7001',
    };
    expect(() => parseControllerConfig(cluster)).toThrow('SPOOL_REDIS_ACL must be off with a Redis Cluster');
    expect(parseControllerConfig({ ...cluster, SPOOL_REDIS_ACL: 'off' }).redisAcl).toBe('off');
  });
});

describe('parseControllerConfig', () => {
  test.each([
    { name: 'unset: every namespace', value: undefined, want: [] },
    { name: 'a list', value: 'team-a, team-b', want: ['team-a', 'team-b'] },
    { name: 'empty entries dropped', value: 'team-a,,', want: ['team-a'] },
  ])('SPOOL_NAMESPACES, $name', ({ value, want }) => {
    const env = { SPOOL_RUNTIME: 'kubernetes', ...(value === undefined ? {} : { SPOOL_NAMESPACES: value }) };
    expect(parseControllerConfig(env).namespaces).toEqual(want);
  });

  test('the process runtime needs a watchdog command as a JSON array', () => {
    expect(() =>
      parseControllerConfig({ SPOOL_FUNCTIONS_DIR: 'x', SPOOL_WATCHDOG_COMMAND: '"node"' }),
    ).toThrow('SPOOL_WATCHDOG_COMMAND must be a JSON array of strings, was: ""node""');
  });

  test('reads the process runtime settings', () => {
    const config = parseControllerConfig({
      SPOOL_FUNCTIONS_DIR: 'x',
      SPOOL_WATCHDOG_COMMAND: '["node","w.js"]',
    });
    expect({
      cmd: config.watchdogCommand,
      interval: config.scaleIntervalMs,
      runtime: config.runtime,
    }).toEqual({
      cmd: ['node', 'w.js'],
      interval: 1000,
      runtime: 'process',
    });
  });
});

describe('parseQueueLockConfig', () => {
  test('defaults find a dead replica within seconds: 5 s lock renewed every 1.5 s, checked every 2.5 s', () => {
    expect(parseQueueLockConfig({})).toEqual({
      lockDurationMs: 5000,
      lockRenewMs: 1500,
      stalledIntervalMs: 2500,
      maxStalledCount: 1,
    });
  });

  test.each([
    {
      name: 'all four keys',
      env: {
        SPOOL_LOCK_DURATION_MS: '8000',
        SPOOL_LOCK_RENEW_MS: '2000',
        SPOOL_STALLED_INTERVAL_MS: '4000',
        SPOOL_MAX_STALLED_COUNT: '2',
      },
      want: { lockDurationMs: 8000, lockRenewMs: 2000, stalledIntervalMs: 4000, maxStalledCount: 2 },
    },
    {
      name: 'a short lock halves the default renewal',
      env: { SPOOL_LOCK_DURATION_MS: '2001' },
      want: { ...defaultQueueLockConfig(), lockDurationMs: 2001, lockRenewMs: 1000 },
    },
  ])('reads $name', ({ env, want }) => {
    expect(parseQueueLockConfig(env)).toEqual(want);
  });

  test.each([
    {
      name: 'renewal not shorter than the lock',
      env: { SPOOL_LOCK_DURATION_MS: '3000', SPOOL_LOCK_RENEW_MS: '3000' },
      error: 'SPOOL_LOCK_RENEW_MS must be less than SPOOL_LOCK_DURATION_MS (3000), was: "3000"',
    },
    {
      name: 'a lock under a second',
      env: { SPOOL_LOCK_DURATION_MS: '500' },
      error: 'SPOOL_LOCK_DURATION_MS must be an integer ≥ 1000, was: "500"',
    },
    {
      name: 'a negative stall count',
      env: { SPOOL_MAX_STALLED_COUNT: '-1' },
      error: 'SPOOL_MAX_STALLED_COUNT must be an integer from 0 to 100, was: "-1"',
    },
  ])('rejects $name', ({ env, error }) => {
    expect(() => parseQueueLockConfig(env)).toThrow(error);
  });

  test('the env the controller gives replicas parses back to the same settings', () => {
    const lock = parseQueueLockConfig({ SPOOL_LOCK_DURATION_MS: '7000', SPOOL_STALLED_INTERVAL_MS: '3000' });
    expect(parseQueueLockConfig(queueLockEnv(lock))).toEqual(lock);
  });

  test('the controller and the watchdog read the same keys', () => {
    const env = { SPOOL_LOCK_DURATION_MS: '6000', SPOOL_FUNCTION_NAME: 'a', SPOOL_FUNCTION_SPEC: spec };
    expect(parseWatchdogConfig(env).lock).toEqual(
      parseControllerConfig({ ...env, SPOOL_FUNCTIONS_DIR: 'x', SPOOL_WATCHDOG_COMMAND: '["node"]' })
        .watchdogLock,
    );
  });
});

describe('SPOOL_LIFELINE_FD', () => {
  test.each([
    { name: 'unset', value: undefined, want: undefined },
    { name: 'fd 3', value: '3', want: 3 },
  ])('$name', ({ value, want }) => {
    const env = { SPOOL_FUNCTION_NAME: 'a', SPOOL_FUNCTION_SPEC: spec, SPOOL_LIFELINE_FD: value };
    expect(parseWatchdogConfig(env).lifelineFd).toBe(want);
  });

  test('refuses stdin, stdout and stderr', () => {
    const env = { SPOOL_FUNCTION_NAME: 'a', SPOOL_FUNCTION_SPEC: spec, SPOOL_LIFELINE_FD: '0' };
    expect(() => parseWatchdogConfig(env)).toThrow(
      'SPOOL_LIFELINE_FD must be an integer from 3 to 1023, was: "0"',
    );
  });
});

import { describe, expect, test } from '@jest/globals';
import {
  defaultGatewayConfig,
  parseControllerConfig,
  parseGatewayConfig,
  parseWatchdogConfig,
} from './config.js';

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
      error: 'SPOOL_REDIS_URL must be a redis:// or rediss:// URL, was: "localhost:6379"',
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

describe('parseControllerConfig', () => {
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

import { describe, expect, test } from '@jest/globals';
import { appendTail, describeExit, userCommand, userEnv } from './process-group.js';

describe('userCommand', () => {
  test.each([
    { name: 'command alone', spec: { command: ['node'], args: [] }, want: { file: 'node', args: [] } },
    {
      name: 'rest of command, then args',
      spec: { command: ['node', 'server.mjs'], args: ['--port', '1'] },
      want: { file: 'node', args: ['server.mjs', '--port', '1'] },
    },
  ])('$name', ({ spec, want }) => {
    expect(userCommand(spec)).toEqual(want);
  });
});

describe('userEnv', () => {
  test.each([
    {
      name: 'inherits, skipping undefined',
      base: { PATH: '/bin', GONE: undefined },
      specEnv: [],
      vars: {},
      want: { PATH: '/bin' },
    },
    {
      name: 'spec.env overrides the watchdog env',
      base: { PATH: '/bin', TZ: 'UTC' },
      specEnv: [{ name: 'TZ', value: 'Europe/Paris' }],
      vars: {},
      want: { PATH: '/bin', TZ: 'Europe/Paris' },
    },
    {
      name: 'keeps no platform variable: no SPOOL_*, no Redis address or credential, no tracing headers',
      base: {
        PATH: '/bin',
        LC_ALL: 'C.UTF-8',
        SPOOL_REDIS_URL: 'redis://redis:6379',
        SPOOL_REDIS_USERNAME: 'spool-fn-default.echo',
        SPOOL_REDIS_PASSWORD: 'secret-secret-secret',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer x',
        SPOOL_REDIS_SERVICE_HOST: '10.0.0.1',
        NODE_OPTIONS: '--require /tmp/x.js',
      },
      specEnv: [],
      vars: {},
      want: { PATH: '/bin', LC_ALL: 'C.UTF-8' },
    },
    {
      name: 'spec.env may still set any name',
      base: {},
      specEnv: [{ name: 'REDIS_URL', value: 'redis://own-redis:6379' }],
      vars: {},
      want: { REDIS_URL: 'redis://own-redis:6379' },
    },
    {
      name: "Spool's variables win over spec.env",
      base: {},
      specEnv: [{ name: 'PORT', value: '1' }],
      vars: { PORT: '8080', HOST: '127.0.0.1' },
      want: { PORT: '8080', HOST: '127.0.0.1' },
    },
  ])('$name', ({ base, specEnv, vars, want }) => {
    expect(userEnv(base, specEnv, vars)).toEqual(want);
  });
});

describe('describeExit', () => {
  test.each([
    { name: 'exit code', status: { code: 3, signal: null }, want: 'exited with code 3' },
    { name: 'signal', status: { code: null, signal: 'SIGKILL' as const }, want: 'killed by SIGKILL' },
    {
      name: 'spawn failure',
      status: { code: null, signal: null, error: 'spawn nope ENOENT' },
      want: 'could not start: spawn nope ENOENT',
    },
  ])('$name', ({ status, want }) => {
    expect(describeExit(status)).toBe(want);
  });
});

describe('appendTail', () => {
  test.each([
    { name: 'under the limit keeps all', tail: 'ab', chunk: 'cd', limit: 10, want: 'abcd' },
    { name: 'at the limit keeps all', tail: 'ab', chunk: 'cd', limit: 4, want: 'abcd' },
    { name: 'over the limit keeps the end', tail: 'abc', chunk: 'def', limit: 4, want: 'cdef' },
    { name: 'a chunk larger than the limit', tail: '', chunk: '0123456789', limit: 3, want: '789' },
  ])('$name', ({ tail, chunk, limit, want }) => {
    expect(appendTail(Buffer.from(tail), Buffer.from(chunk), limit).toString()).toBe(want);
  });
});

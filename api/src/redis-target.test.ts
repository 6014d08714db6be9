import { describe, expect, test } from '@jest/globals';
import { parseRedisTarget } from './redis-target.js';

describe('parseRedisTarget', () => {
  test.each([
    { url: 'redis://127.0.0.1:6379', want: { kind: 'single', url: 'redis://127.0.0.1:6379' } },
    {
      url: 'rediss://user:pw@redis.example:6380/0',
      want: { kind: 'single', url: 'rediss://user:pw@redis.example:6380/0' },
    },
    {
      url: 'redis-cluster://10.0.0.1:7000,10.0.0.2:7001',
      want: {
        kind: 'cluster',
        tls: false,
        seeds: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
      },
    },
    {
      url: 'rediss-cluster://spool:s%40cret@redis-0.redis:6379/',
      want: {
        kind: 'cluster',
        tls: true,
        username: 'spool',
        password: 's@cret',
        seeds: [{ host: 'redis-0.redis', port: 6379 }],
      },
    },
    {
      url: 'redis-cluster://:pw@[::1]:7000',
      want: { kind: 'cluster', tls: false, password: 'pw', seeds: [{ host: '::1', port: 7000 }] },
    },
  ])('$url', ({ url, want }) => {
    expect(parseRedisTarget(url)).toEqual({ ok: true, value: want });
  });

  test.each([
    { url: 'http://127.0.0.1:6379', error: /must be a redis:\/\/ or rediss:\/\/ URL/ },
    { url: 'redis-cluster://', error: /must be a redis/ },
    { url: 'redis-cluster://host', error: /cluster node "host" is not host:port/ },
    { url: 'redis-cluster://a:7000,,b:7001', error: /cluster node "" is not host:port/ },
    { url: 'redis-cluster://a:70000', error: /port from 1 to 65535/ },
    { url: 'redis-cluster://a:0', error: /port from 1 to 65535/ },
    { url: 'redis-cluster://a:7000/extra', error: /must be a redis/ },
  ])('$url is refused', ({ url, error }) => {
    expect(parseRedisTarget(url)).toEqual({ ok: false, error: expect.stringMatching(error) });
  });
});

import { describe, expect, test } from '@jest/globals';
import { parseScaleRequest } from './scale-request.js';

describe('parseScaleRequest', () => {
  test.each([
    {
      name: 'a request',
      json: '{"key":"default/echo","replicas":3}',
      want: { key: 'default/echo', replicas: 3 },
    },
    { name: 'zero', json: '{"key":"default/echo","replicas":0}', want: { key: 'default/echo', replicas: 0 } },
    { name: 'not JSON', json: 'default/echo', want: undefined },
    { name: 'no key', json: '{"replicas":3}', want: undefined },
    { name: 'key without namespace', json: '{"key":"echo","replicas":3}', want: undefined },
    { name: 'negative', json: '{"key":"default/echo","replicas":-1}', want: undefined },
    { name: 'fractional', json: '{"key":"default/echo","replicas":1.5}', want: undefined },
    { name: 'count as string', json: '{"key":"default/echo","replicas":"3"}', want: undefined },
    { name: 'null', json: 'null', want: undefined },
  ])('$name', ({ json, want }) => {
    expect(parseScaleRequest(json)).toEqual(want);
  });
});

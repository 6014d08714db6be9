import { describe, expect, test } from '@jest/globals';
import { resolveFunction } from '../function.js';
import { decodeStoredFunction, encodeStoredFunction } from './registry.js';

const fn = resolveFunction(
  {
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: 'echo', namespace: 'team-a' },
    spec: { image: 'echo:1', command: ['node', 'server.mjs'], env: [{ name: 'A', value: '1' }] },
  },
  'default',
);
const raw = encodeStoredFunction(fn);
const refusal = (field: string, text: string): string => {
  const decoded = decodeStoredFunction(field, text);
  return decoded.ok ? '' : decoded.error;
};

describe('the local registry entry', () => {
  test('a resolved Function round-trips under its own key', () => {
    expect(decodeStoredFunction('team-a/echo', raw)).toEqual({ ok: true, value: fn });
  });

  test.each([
    { name: 'not JSON', field: 'team-a/echo', text: 'not json', error: /^not JSON/ },
    {
      name: 'not a Function',
      field: 'team-a/echo',
      text: '{"x":1}',
      error: /^not a valid Function: apiVersion/,
    },
    {
      name: 'a spec that does not validate',
      field: 'team-a/echo',
      text: JSON.stringify({ ...fn, spec: { ...fn.spec, timeoutSeconds: -1 } }),
      error: /spec\.timeoutSeconds must be at least 1/,
    },
    {
      name: 'an unknown spec field',
      field: 'team-a/echo',
      text: JSON.stringify({ ...fn, spec: { ...fn.spec, privileged: true } }),
      error: /spec\.privileged is not a known field/,
    },
    {
      name: 'another function’s entry',
      field: 'team-a/other',
      text: raw,
      error: /Function team-a\/echo stored under team-a\/other/,
    },
    { name: 'oversized', field: 'team-a/echo', text: `"${'x'.repeat(1024 * 1024)}"`, error: /exceeds/ },
  ])('refuses $name', ({ field, text, error }) => {
    expect(refusal(field, text)).toMatch(error);
  });
});

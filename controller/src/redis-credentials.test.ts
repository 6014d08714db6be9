import { describe, expect, test } from '@jest/globals';
import { REDIS_SECRET_KEY, resolveFunction } from '@spool/api';
import { desiredRedisSecret, passwordDigest, storedRefs } from './redis-credentials.js';

describe('storedRefs', () => {
  test.each([
    { files: ['team-a.echo'], want: [{ namespace: 'team-a', name: 'echo' }] },
    {
      files: ['team-a.echo', 'b.x'],
      want: [
        { namespace: 'team-a', name: 'echo' },
        { namespace: 'b', name: 'x' },
      ],
    },
    { files: ['noseparator'], want: [] },
    { files: ['.hidden'], want: [] },
    { files: ['a.'], want: [] },
    { files: ['Upper.case'], want: [] },
    { files: ['a.b.c'], want: [] },
    { files: ['a.echo.tmp'], want: [] },
  ])('$files', ({ files, want }) => {
    expect(storedRefs(files)).toEqual(want);
  });
});

describe('passwordDigest', () => {
  test('16 hex digits, the same for the same password, different for another', () => {
    const a = passwordDigest('a-password-of-some-length');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(passwordDigest('a-password-of-some-length')).toBe(a);
    expect(passwordDigest('another-password-of-length')).not.toBe(a);
    expect(a).not.toContain('password');
  });
});

describe('desiredRedisSecret', () => {
  test("owned by its Function (uid), in the function's namespace, holding the password under its key", () => {
    const fn = resolveFunction({
      apiVersion: 'spool.dev/v1alpha1',
      kind: 'Function',
      metadata: { namespace: 'team-a', name: 'echo', uid: 'uid-1' },
      spec: { image: 'x', command: ['true'] },
    });
    const secret = desiredRedisSecret(fn, 'p'.repeat(32));
    expect({
      name: secret.metadata?.name,
      namespace: secret.metadata?.namespace,
      owners: secret.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
      data: secret.stringData,
    }).toEqual({
      name: 'fn-echo-redis',
      namespace: 'team-a',
      owners: [['Function', 'echo', 'uid-1', true]],
      data: { [REDIS_SECRET_KEY]: 'p'.repeat(32) },
    });
  });
});

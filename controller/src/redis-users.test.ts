import { describe, expect, test } from '@jest/globals';
import type { FunctionRef } from '@spool/api';
import { staleFunctionUsers } from './redis-users.js';

const ref = (key: string): FunctionRef => {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
};
const refs = (...keys: string[]): FunctionRef[] => keys.map(ref);

describe('staleFunctionUsers', () => {
  test.each([
    {
      name: 'nothing provisioned: nothing is ours to delete',
      users: ['a/x', 'b/y'],
      provisioned: [],
      existing: [],
      want: [],
    },
    { name: 'ours and gone', users: ['a/x'], provisioned: ['a/x'], existing: [], want: ['a/x'] },
    { name: 'ours and still there', users: ['a/x'], provisioned: ['a/x'], existing: ['a/x'], want: [] },
    {
      name: "another install's user on a shared Redis, not in our source",
      users: ['a/x', 'other/y'],
      provisioned: ['a/x'],
      existing: ['a/x'],
      want: [],
    },
    {
      name: 'provisioned but the user is already gone: nothing to delete in Redis',
      users: [],
      provisioned: ['a/x'],
      existing: [],
      want: [],
    },
    {
      name: 'same name in another namespace is another function',
      users: ['a/x', 'b/x'],
      provisioned: ['a/x', 'b/x'],
      existing: ['b/x'],
      want: ['a/x'],
    },
  ])('$name', ({ users, provisioned, existing, want }) => {
    expect(
      staleFunctionUsers({
        users: refs(...users),
        provisioned: refs(...provisioned),
        existing: refs(...existing),
      }),
    ).toEqual(refs(...want));
  });
});

import { describe, expect, test } from '@jest/globals';
import {
  FORBIDDEN_FUNCTION_COMMANDS,
  controllerUserRules,
  functionUserName,
  functionUserRules,
  gatewayUserRules,
  parseFunctionUserName,
} from './redis-acl.js';
import { requestBodyKey, resultBodyKey } from './queue-names.js';

const password = 'p'.repeat(32);
const echo = { namespace: 'team-a', name: 'echo' };

/** The `+command` rules of a list, after its `-@all`. */
const allowed = (rules: readonly string[]): string[] =>
  rules.filter((r) => r.startsWith('+')).map((r) => r.slice(1));

describe('function users', () => {
  test.each([
    { ref: echo, want: 'spool-fn-team-a.echo' },
    { ref: { namespace: 'default', name: 'a-1' }, want: 'spool-fn-default.a-1' },
  ])('functionUserName($ref.namespace/$ref.name) is $want', ({ ref, want }) => {
    expect(functionUserName(ref)).toBe(want);
  });

  test('a function user name round-trips to its function', () => {
    expect(parseFunctionUserName(functionUserName(echo))).toEqual({ ok: true, value: echo });
  });

  test.each(['default', 'spool-gateway', 'spool-fn-a', 'spool-fn-a.b.c', 'spool-fn-A.b', 'spool-fn-.b'])(
    'parseFunctionUserName refuses %p',
    (user) => {
      expect(parseFunctionUserName(user).ok).toBe(false);
    },
  );

  test('the rules reach only the function own keys and channels, after a reset', () => {
    const rules = functionUserRules(echo, password);
    expect(rules.slice(0, 3)).toEqual(['reset', 'on', `>${password}`]);
    expect(rules.filter((r) => r.startsWith('~') || r.startsWith('%'))).toEqual(['~spool:{team-a.echo}:*']);
    expect(rules.filter((r) => r.startsWith('&'))).toEqual([
      '&spool:reply:{team-a.echo}:*',
      '&spool:outbox:{team-a.echo}',
    ]);
    expect(rules).not.toContain('allkeys');
    expect(rules).not.toContain('allchannels');
    expect(rules.indexOf('-@all')).toBe(rules.findIndex((r) => r.startsWith('+') || r.startsWith('-')));
  });

  test.each([
    { name: 'function', rules: functionUserRules(echo, password) },
    { name: 'gateway', rules: gatewayUserRules(password) },
  ])('the $name user is allowed no keyspace-wide or admin command', ({ rules }) => {
    const granted = allowed(rules);
    const forbidden = FORBIDDEN_FUNCTION_COMMANDS.filter((c) =>
      granted.some((g) => g === c || g.startsWith(`${c}|`) || c.startsWith(`${g}|`)),
    );
    expect(forbidden).toEqual([]);
    expect(rules.some((r) => r.startsWith('+@'))).toBe(false);
  });

  test.each([
    { name: 'its request body', key: requestBodyKey, ref: echo, reached: true },
    { name: 'its result body', key: resultBodyKey, ref: echo, reached: true },
    {
      name: "another namespace's request body",
      key: requestBodyKey,
      ref: { ...echo, namespace: 'team-b' },
      reached: false,
    },
    {
      name: "another function's result body",
      key: resultBodyKey,
      ref: { ...echo, name: 'echo2' },
      reached: false,
    },
  ])('its one key pattern reaches $name: $reached', ({ key, ref, reached }) => {
    // `~spool:{team-a.echo}:*` is a prefix and a star; the escaped braces match themselves.
    const [pattern] = functionUserRules(echo, password).filter((r) => r.startsWith('~'));
    const prefix = (pattern ?? '').slice(1, -1);
    expect(key(ref, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f').startsWith(prefix)).toBe(reached);
  });

  test('the function user may publish but never subscribe', () => {
    const granted = allowed(functionUserRules(echo, password));
    expect(granted).toContain('publish');
    expect(granted.filter((c) => c.includes('subscribe'))).toEqual([]);
  });

  test.each([
    { name: 'function', build: () => functionUserRules(echo, 'short') },
    { name: 'gateway', build: () => gatewayUserRules('') },
  ])('a $name password under 16 characters is refused', ({ build }) => {
    expect(build).toThrow('at least 16 characters');
  });
});

describe('service users', () => {
  test('the gateway reads the registry hashes but cannot write them', () => {
    const rules = gatewayUserRules(password);
    expect(rules).toEqual(
      expect.arrayContaining(['~spool:{*', '%R~spool:replica-status', '%R~spool:functions']),
    );
    expect(allowed(rules).filter((c) => c.startsWith('acl'))).toEqual([]);
  });

  test('only the controller provisions users, with the ACL subcommands it needs and no other', () => {
    const acl = allowed(controllerUserRules(password)).filter((c) => c.startsWith('acl'));
    expect(acl).toEqual(['acl|deluser', 'acl|getuser', 'acl|setuser', 'acl|users', 'acl|whoami']);
    expect(controllerUserRules(password)).toEqual(
      expect.arrayContaining(['&spool:events:*', '&spool:outbox:*', '+multi', '+exec']),
    );
  });
});

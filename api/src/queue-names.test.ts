import { describe, expect, test } from '@jest/globals';
import {
  callId,
  checkReplyScope,
  callbackOutboxChannel,
  callbackOutboxKey,
  parseCallbackOutboxChannel,
  escapeGlob,
  functionReplyChannel,
  functionReplyScope,
  gatewayReplyPattern,
  parseReplyChannel,
  queueName,
  requestBodyKey,
  resultBodyKey,
} from './queue-names.js';

const echo = { namespace: 'team-a', name: 'echo' };

describe('reply channels', () => {
  test('a reply channel carries the function scope, then the gateway', () => {
    expect(functionReplyChannel(echo, 'gw-1a2b3c4d')).toBe('spool:reply:{team-a.echo}:gw-1a2b3c4d');
    expect(gatewayReplyPattern('gw-1a2b3c4d')).toBe('spool:reply:*:gw-1a2b3c4d');
    expect(functionReplyScope(echo)).toBe('spool:reply:{team-a.echo}:*');
  });

  test('a reply channel round-trips to its function and gateway', () => {
    const parsed = parseReplyChannel(functionReplyChannel(echo, 'host-0-1a2b3c4d'));
    expect(parsed).toEqual({ ok: true, value: { ref: echo, gatewayId: 'host-0-1a2b3c4d' } });
  });

  test.each([
    { name: 'the old unscoped channel', channel: 'spool:reply:gw-1' },
    { name: 'another prefix', channel: 'spool:events:scaled' },
    { name: 'no closing brace', channel: 'spool:reply:{team-a.echo:gw-1' },
    { name: 'no gateway', channel: 'spool:reply:{team-a.echo}:' },
    { name: 'a scope without a dot', channel: 'spool:reply:{team-a}:gw-1' },
    { name: 'a scope with two dots', channel: 'spool:reply:{a.b.c}:gw-1' },
    { name: 'a glob in the scope', channel: 'spool:reply:{team-a.*}:gw-1' },
    { name: 'upper case in the scope', channel: 'spool:reply:{Team.echo}:gw-1' },
    { name: 'a gateway with a space', channel: 'spool:reply:{team-a.echo}:gw 1' },
  ])('parseReplyChannel refuses $name', ({ channel }) => {
    expect(parseReplyChannel(channel).ok).toBe(false);
  });
});

describe('body keys', () => {
  const jobId = '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f';
  test.each([
    { name: 'request body', key: requestBodyKey(echo, jobId), want: `spool:{team-a.echo}:${jobId}:body` },
    { name: 'result body', key: resultBodyKey(echo, jobId), want: `spool:{team-a.echo}:${jobId}:result` },
  ])('the $name key sits under the job, inside the queue hash tag', ({ key, want }) => {
    // Redis Cluster hashes only what is inside the first {...}: the queue's tag, so one slot per function.
    expect({ key, tag: /\{([^}]*)\}/.exec(key)?.[0] }).toEqual({ key: want, tag: queueName(echo) });
  });
});

describe('checkReplyScope', () => {
  const other = { namespace: 'team-b', name: 'echo' };
  test.each([
    {
      name: 'own scope',
      channel: functionReplyChannel(echo, 'gw-1'),
      call: callId(echo, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
      ok: true,
    },
    {
      name: 'another function forging',
      channel: functionReplyChannel(other, 'gw-1'),
      call: callId(echo, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
      ok: false,
    },
    {
      name: 'the old unscoped channel',
      channel: 'spool:reply:gw-1',
      call: callId(echo, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
      ok: false,
    },
    {
      name: 'a malformed call id',
      channel: functionReplyChannel(echo, 'gw-1'),
      call: 'not-a-call',
      ok: false,
    },
  ])('$name', ({ channel, call, ok }) => {
    expect(checkReplyScope(channel, call).ok).toBe(ok);
  });
});

describe('callback outbox', () => {
  test('the outbox is inside the function keyspace, its notice inside no other function scope', () => {
    expect(callbackOutboxKey(echo)).toBe('spool:{team-a.echo}:outbox');
    expect(callbackOutboxChannel(echo)).toBe('spool:outbox:{team-a.echo}');
    expect(parseCallbackOutboxChannel(callbackOutboxChannel(echo))).toEqual({ ok: true, value: echo });
  });

  test.each([
    'spool:outbox:',
    'spool:outbox:{a}',
    'spool:outbox:{a.b.c}',
    'spool:outbox:{A.b}',
    'spool:reply:{a.b}:x',
  ])('parseCallbackOutboxChannel refuses %p', (channel) => {
    expect(parseCallbackOutboxChannel(channel).ok).toBe(false);
  });
});

describe('escapeGlob', () => {
  test.each([
    { raw: '{a.b}', want: '{a.b}' },
    { raw: 'a*b?[c]\\', want: 'a\\*b\\?\\[c\\]\\\\' },
  ])('escapeGlob($raw)', ({ raw, want }) => {
    expect(escapeGlob(raw)).toBe(want);
  });
});

import { describe, expect, test } from '@jest/globals';
import {
  decideCallbackDestination,
  defaultCallbackAllow,
  hostMatches,
  isSelfDestination,
  parseCallbackPolicy,
  type CallbackPolicy,
} from './callback-policy.js';

const policy = (entries: readonly string[]): CallbackPolicy => {
  const parsed = parseCallbackPolicy(entries);
  if ('badEntry' in parsed) throw new Error(`fixture entry ${parsed.badEntry}`);
  return parsed.policy;
};

const kubernetesDefault = policy(defaultCallbackAllow(false));
const localDefault = policy(defaultCallbackAllow(true));

describe('decideCallbackDestination', () => {
  // Only the classifier sees these public addresses: no test sends traffic anywhere but loopback.
  test.each([
    {
      name: 'a public address by default',
      p: kubernetesDefault,
      host: 'hooks.example.com',
      addrs: ['93.184.216.34'],
      want: true,
    },
    {
      name: 'public IPv6 by default',
      p: kubernetesDefault,
      host: 'hooks.example.com',
      addrs: ['2606:2800::1'],
      want: true,
    },
    {
      name: 'loopback in Kubernetes mode',
      p: kubernetesDefault,
      host: 'localhost',
      addrs: ['127.0.0.1'],
      want: false,
    },
    {
      name: 'loopback in local mode',
      p: localDefault,
      host: 'localhost',
      addrs: ['127.0.0.1', '::1'],
      want: true,
    },
    { name: '[::1] in Kubernetes mode', p: kubernetesDefault, host: '[::1]', addrs: ['::1'], want: false },
    {
      name: 'IPv4-mapped loopback',
      p: kubernetesDefault,
      host: '[::ffff:7f00:1]',
      addrs: ['::ffff:127.0.0.1'],
      want: false,
    },
    {
      name: '0x7f000001 as WHATWG URL gives it',
      p: kubernetesDefault,
      host: new URL('http://0x7f000001/').hostname,
      addrs: ['127.0.0.1'],
      want: false,
    },
    { name: 'a private address', p: kubernetesDefault, host: '10.0.0.5', addrs: ['10.0.0.5'], want: false },
    {
      name: 'the cloud metadata address',
      p: localDefault,
      host: '169.254.169.254',
      addrs: ['169.254.169.254'],
      want: false,
    },
    { name: 'IPv6 link-local', p: localDefault, host: 'fe80::1', addrs: ['fe80::1'], want: false },
    {
      name: '0.0.0.0 (reaches the host itself)',
      p: localDefault,
      host: '0.0.0.0',
      addrs: ['0.0.0.0'],
      want: false,
    },
    { name: 'multicast', p: localDefault, host: '239.1.1.1', addrs: ['239.1.1.1'], want: false },
    {
      name: 'a name with one public and one private address',
      p: kubernetesDefault,
      host: 'rebind.example',
      addrs: ['93.184.216.34', '10.0.0.1'],
      want: false,
    },
    {
      name: 'a name that resolves to nothing',
      p: kubernetesDefault,
      host: 'empty.example',
      addrs: [],
      want: false,
    },
    {
      name: 'a private CIDR the operator allowed',
      p: policy(['public', '10.1.0.0/16']),
      host: 'svc',
      addrs: ['10.1.2.3'],
      want: true,
    },
    {
      name: 'outside the allowed CIDR',
      p: policy(['public', '10.1.0.0/16']),
      host: 'svc',
      addrs: ['10.2.0.1'],
      want: false,
    },
    {
      name: 'a host pattern reaching a private address',
      p: policy(['*.hooks.internal']),
      host: 'a.hooks.internal',
      addrs: ['10.9.9.9'],
      want: true,
    },
    {
      name: 'a host pattern never reaches link-local',
      p: policy(['*.hooks.internal']),
      host: 'a.hooks.internal',
      addrs: ['169.254.169.254'],
      want: false,
    },
    {
      name: 'a host pattern does not cover an IP literal',
      p: policy(['10.0.0.1.nip']),
      host: '10.0.0.1',
      addrs: ['10.0.0.1'],
      want: false,
    },
    {
      name: 'a denied CIDR beats an allowed one',
      p: policy(['10.0.0.0/8', '!10.96.0.0/12']),
      host: 'gw',
      addrs: ['10.96.0.10'],
      want: false,
    },
    {
      name: 'a denied host beats public',
      p: policy(['public', '!evil.example']),
      host: 'EVIL.example.',
      addrs: ['93.184.216.34'],
      want: false,
    },
    {
      name: 'none allows nothing',
      p: policy(['none']),
      host: 'hooks.example.com',
      addrs: ['93.184.216.34'],
      want: false,
    },
  ])('$name: $want', ({ p, host, addrs, want }) => {
    expect(decideCallbackDestination(p, host, addrs).allowed).toBe(want);
  });

  test('a refusal names the address and its class', () => {
    expect(decideCallbackDestination(kubernetesDefault, 'localhost', ['127.0.0.1'])).toEqual({
      allowed: false,
      reason: 'localhost resolves to 127.0.0.1 (loopback), which SPOOL_CALLBACK_ALLOW does not allow',
    });
  });
});

describe('parseCallbackPolicy', () => {
  test.each([
    { entry: 'public', ok: true },
    { entry: 'LOOPBACK', ok: true },
    { entry: 'fd00::/8', ok: true },
    { entry: '!192.168.0.0/16', ok: true },
    { entry: '*.example.com', ok: true },
    { entry: 'hooks.example.com.', ok: true },
    { entry: 'every', ok: true },
    { entry: '10.0.0.0/40', ok: false },
    { entry: 'a..b', ok: false },
    { entry: 'http://x', ok: false },
    { entry: '*', ok: false },
  ])('$entry parses: $ok', ({ entry, ok }) => {
    expect('policy' in parseCallbackPolicy([entry])).toBe(ok);
  });
});

describe('hostMatches', () => {
  test.each([
    { pattern: 'hooks.example.com', host: 'hooks.example.com', want: true },
    { pattern: 'hooks.example.com', host: 'HOOKS.example.com.', want: true },
    { pattern: 'hooks.example.com', host: 'x.hooks.example.com', want: false },
    { pattern: '*.example.com', host: 'a.example.com', want: true },
    { pattern: '*.example.com', host: 'a.b.example.com', want: true },
    { pattern: '*.example.com', host: 'example.com', want: false },
    { pattern: '*.example.com', host: 'badexample.com', want: false },
  ])('$pattern ~ $host: $want', ({ pattern, host, want }) => {
    expect(hostMatches(pattern, host)).toBe(want);
  });
});

describe('isSelfDestination', () => {
  const self = { port: 8080, addresses: ['127.0.0.1', '10.0.0.7', 'fe80::1'] };
  test.each([
    { name: 'loopback on the gateway port', port: 8080, addrs: ['127.0.0.1'], want: true },
    { name: 'another loopback address on the gateway port', port: 8080, addrs: ['127.9.9.9'], want: true },
    { name: '[::1] on the gateway port', port: 8080, addrs: ['::1'], want: true },
    { name: 'mapped loopback on the gateway port', port: 8080, addrs: ['::ffff:127.0.0.1'], want: true },
    { name: '0.0.0.0 on the gateway port', port: 8080, addrs: ['0.0.0.0'], want: true },
    { name: 'the pod address on the gateway port', port: 8080, addrs: ['10.0.0.7'], want: true },
    { name: 'the pod address mapped to IPv6', port: 8080, addrs: ['::ffff:10.0.0.7'], want: true },
    { name: 'loopback on another port', port: 9000, addrs: ['127.0.0.1'], want: false },
    { name: 'another host on the gateway port', port: 8080, addrs: ['10.0.0.8'], want: false },
  ])('$name: $want', ({ port, addrs, want }) => {
    expect(isSelfDestination(self, port, addrs)).toBe(want);
  });
});

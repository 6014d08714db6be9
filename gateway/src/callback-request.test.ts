import { describe, expect, test } from '@jest/globals';
import type { CallbackJob } from '@spool/api';
import {
  callbackRequest,
  createDestinationLimiter,
  decideCallbackAnswer,
  destinationKey,
  hostAndPort,
} from './callback-request.js';

const base = { startedAtMs: 0, finishedAtMs: 1, attempt: 1 };
const job = (result: Partial<CallbackJob['result']>): CallbackJob => ({
  callId: 'ns.fn.1',
  callbackUrl: 'http://127.0.0.1:9/cb?x=1',
  result: { ...base, status: 200, headers: {}, bodyBase64: '', ...result },
});

describe('callbackRequest', () => {
  test.each([
    {
      name: 'posts the body with its content type, status and call id',
      result: {
        status: 201,
        headers: { 'content-type': 'text/plain' },
        bodyBase64: Buffer.from('hi').toString('base64'),
      },
      want: {
        headers: { 'content-type': 'text/plain', 'x-call-id': 'ns.fn.1', 'x-function-status': '201' },
        body: 'hi',
      },
    },
    {
      name: "carries none of the function's other headers (a header-echoing function cannot steer it)",
      result: {
        headers: {
          'content-type': 'application/json',
          'x-callback-url': 'http://127.0.0.1:1/loop',
          'x-call-id': 'forged',
          'set-cookie': ['a=1', 'b=2'],
          authorization: 'Bearer leaked',
        },
      },
      want: {
        headers: { 'content-type': 'application/json', 'x-call-id': 'ns.fn.1', 'x-function-status': '200' },
        body: '',
      },
    },
    {
      name: 'a platform error is posted as its JSON with the error header',
      result: { status: 504, error: { code: 'CALL_TIMEOUT' as const, message: 'too slow' } },
      want: {
        headers: {
          'content-type': 'application/json',
          'x-call-id': 'ns.fn.1',
          'x-function-status': '504',
          'x-spool-error': 'CALL_TIMEOUT',
        },
        body: '{"code":"CALL_TIMEOUT","message":"too slow"}',
      },
    },
  ])('$name', ({ result, want }) => {
    const request = callbackRequest(job(result));
    expect({ url: request.url.href, headers: request.headers, body: request.body.toString() }).toEqual({
      url: 'http://127.0.0.1:9/cb?x=1',
      ...want,
    });
  });
});

describe('hostAndPort', () => {
  test.each([
    { url: 'http://127.0.0.1:9/x', want: { host: '127.0.0.1', port: 9 } },
    { url: 'http://[::1]/x', want: { host: '::1', port: 80 } },
    { url: 'https://hooks.example.com/x', want: { host: 'hooks.example.com', port: 443 } },
    { url: 'http://0x7f000001:8080/', want: { host: '127.0.0.1', port: 8080 } },
    { url: 'http://2130706433/', want: { host: '127.0.0.1', port: 80 } },
    { url: 'http://[::ffff:127.0.0.1]/', want: { host: '::ffff:7f00:1', port: 80 } },
  ])('$url', ({ url, want }) => {
    expect(hostAndPort(new URL(url))).toEqual(want);
  });
});

describe('decideCallbackAnswer', () => {
  test.each([
    { status: 200, want: { kind: 'delivered', status: 200 } },
    { status: 204, want: { kind: 'delivered', status: 204 } },
    {
      status: 302,
      want: { kind: 'failed', reason: 'answered 302; redirects are not followed', final: true },
    },
    {
      status: 307,
      want: { kind: 'failed', reason: 'answered 307; redirects are not followed', final: true },
    },
    { status: 404, want: { kind: 'failed', reason: 'answered 404', final: false } },
    { status: 503, want: { kind: 'failed', reason: 'answered 503', final: false } },
  ])('$status', ({ status, want }) => {
    expect(decideCallbackAnswer(status)).toEqual(want);
  });
});

describe('createDestinationLimiter', () => {
  test('fails fast past the per-destination limit and frees a slot on release', () => {
    const limiter = createDestinationLimiter(2);
    const a1 = limiter.tryAcquire('a');
    const a2 = limiter.tryAcquire('a');
    const a3 = limiter.tryAcquire('a');
    const b1 = limiter.tryAcquire('b');
    a1?.();
    a1?.();
    const a4 = limiter.tryAcquire('a');
    expect({
      granted: [a1, a2, a3, b1, a4].map((r) => r !== undefined),
      inFlight: [limiter.inFlight('a'), limiter.inFlight('b')],
    }).toEqual({ granted: [true, true, false, true, true], inFlight: [2, 1] });
  });
});

describe('destinationKey', () => {
  test.each([
    { name: 'an IPv4 address', addresses: ['127.0.0.2'], want: '127.0.0.2' },
    { name: 'the mapped form counts as the IPv4 one', addresses: ['::ffff:127.0.0.2'], want: '127.0.0.2' },
    { name: 'IPv6 by its /64', addresses: ['2001:db8:1:2:aaaa::1'], want: '2001:db8:1:2:0:0:0:0/64' },
    { name: 'the lowest of several', addresses: ['10.0.0.9', '10.0.0.10'], want: '10.0.0.10' },
  ])('$name', ({ addresses, want }) => {
    expect(destinationKey(addresses)).toBe(want);
  });
});

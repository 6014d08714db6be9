import { describe, expect, test } from '@jest/globals';
import { JOB_VERSION, type InvocationResult, type Reply } from '../job.js';
import { platformFailure } from '../job.js';
import { replyChannel } from '../queue-names.js';
import { base64Length } from '../decode.js';
import { MAX_CALL_BODY_BYTES, MAX_CALL_MESSAGE_BYTES } from './fields.js';
import {
  asyncInvocationJob,
  decodeInvocationJob,
  decodeInvocationResult,
  decodeReply,
  encodeReply,
  syncInvocationJob,
} from './invocation.js';

const callId = 'team-a.echo.6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f';
const request = {
  method: 'POST',
  path: '/a/b%20c',
  query: 'x=1&y=%C3%A9',
  headers: { 'content-type': 'text/plain', 'x-latin1': 'caf\u00e9' },
  bodyBase64: Buffer.from('hello').toString('base64'),
};
const syncJob = syncInvocationJob({
  callId,
  request,
  replyTo: replyChannel('gw-1.example_a-0f3c'),
  trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  enqueuedAtMs: 1_700_000_000_000,
  expiresAtMs: 1_700_000_060_000,
});
const asyncJob = asyncInvocationJob({
  callId,
  request: { ...request, method: 'GET', path: '/', query: '', headers: {}, bodyBase64: '' },
  callbackUrl: 'https://example.test/hook?x=1',
  trace: {},
  enqueuedAtMs: 0,
  readTokenSha256: 'a'.repeat(64),
});
const result: InvocationResult = {
  status: 200,
  headers: { 'content-type': 'application/octet-stream' },
  bodyBase64: Buffer.from([0, 1, 2, 255]).toString('base64'),
  startedAtMs: 10,
  finishedAtMs: 12,
  attempt: 1,
};
const failure: InvocationResult = {
  ...platformFailure('CALL_TIMEOUT', 'call ran past 5 s'),
  startedAtMs: 10,
  finishedAtMs: 5010,
  attempt: 3,
};

/** Through JSON as BullMQ and Redis carry it. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;
const withField = (value: object, path: string[], field: unknown): unknown => {
  const copy = wire(value) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1] ?? '';
  if (field === undefined) delete at[last];
  else at[last] = field;
  return copy;
};

describe('invocation job', () => {
  test.each([
    { name: 'a sync job', job: syncJob },
    { name: 'an async job with a callback', job: asyncJob },
    {
      name: 'an async job without one',
      job: asyncInvocationJob({ callId, request, trace: {}, enqueuedAtMs: 5 }),
    },
    {
      name: 'a job whose 1 MiB body is kept apart',
      job: asyncInvocationJob({
        callId,
        request: { ...request, bodyBase64: '', bodyStoredBytes: 1024 * 1024 },
        trace: {},
        enqueuedAtMs: 5,
      }),
    },
  ])('$name round-trips', ({ job }) => {
    expect(decodeInvocationJob(wire(job))).toEqual({ ok: true, value: job });
  });

  test('the builders stamp the protocol version', () => {
    expect([syncJob.version, asyncJob.version]).toEqual([JOB_VERSION, JOB_VERSION]);
  });

  test('fields the protocol does not know are dropped, not passed on', () => {
    const decoded = decodeInvocationJob({ ...(wire(syncJob) as object), extra: 'x'.repeat(100) });
    expect(decoded.ok && Object.keys(decoded.value)).not.toContain('extra');
  });

  const huge = 'x'.repeat(70 * 1024);
  const manyHeaders = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`h${i}`, 'v']));
  test.each([
    { name: 'not an object', value: 'job', error: /^must be an object/ },
    { name: 'null', value: null, error: /^must be an object, was null/ },
    { name: 'wrong version', value: withField(syncJob, ['version'], 2), error: /^version: must be one of 1/ },
    { name: 'no version', value: withField(syncJob, ['version'], undefined), error: /^version: is required/ },
    { name: 'version as text', value: withField(syncJob, ['version'], '1'), error: /^version:/ },
    {
      name: 'call id of no function',
      value: withField(syncJob, ['callId'], 'x'),
      error: /^callId: must be a call id/,
    },
    {
      name: 'call id with a dot too many',
      value: withField(syncJob, ['callId'], `${callId}.x`),
      error: /^callId:/,
    },
    { name: 'unknown kind', value: withField(syncJob, ['kind'], 'batch'), error: /^kind: must be one of/ },
    {
      name: 'method not a token',
      value: withField(syncJob, ['request', 'method'], 'GE T'),
      error: /^request\.method:/,
    },
    {
      name: 'path without /',
      value: withField(syncJob, ['request', 'path'], 'ct/x'),
      error: /^request\.path:/,
    },
    {
      name: 'path with a newline',
      value: withField(syncJob, ['request', 'path'], '/a\nb'),
      error: /^request\.path:/,
    },
    {
      name: 'query as a number',
      value: withField(syncJob, ['request', 'query'], 1),
      error: /^request\.query:/,
    },
    {
      name: 'headers as a list',
      value: withField(syncJob, ['request', 'headers'], ['a']),
      error: /^request\.headers:/,
    },
    {
      name: 'a header value that is not text',
      value: withField(syncJob, ['request', 'headers'], { a: 1 }),
      error: /^request\.headers\.a: must be a string or a list of strings, was 1/,
    },
    {
      name: 'a header value with CR LF',
      value: withField(syncJob, ['request', 'headers'], { a: 'x\r\nset-cookie: y' }),
      error: /^request\.headers\.a: must be a header value/,
    },
    {
      name: 'a header name that is not a token',
      value: withField(syncJob, ['request', 'headers'], { 'a b': 'x' }),
      error: /^request\.headers: key "a b"/,
    },
    {
      name: 'one huge header',
      value: withField(syncJob, ['request', 'headers'], { a: huge }),
      error: /^request\.headers\.a: must be 0 to 65536 characters/,
    },
    {
      name: 'headers huge together',
      value: withField(syncJob, ['request', 'headers'], {
        a: huge.slice(0, 40_000),
        b: huge.slice(0, 40_000),
      }),
      error: /^request\.headers: must total at most 65536/,
    },
    {
      name: 'too many headers',
      value: withField(syncJob, ['request', 'headers'], manyHeaders),
      error: /at most 2000 entries/,
    },
    {
      name: 'body not base64',
      value: withField(syncJob, ['request', 'bodyBase64'], 'aGk*'),
      error: /bodyBase64: must be padded base64/,
    },
    {
      name: 'body base64 unpadded',
      value: withField(syncJob, ['request', 'bodyBase64'], 'aGk'),
      error: /bodyBase64:/,
    },
    {
      name: 'body past the largest a Function may accept',
      value: withField(syncJob, ['request', 'bodyBase64'], 'A'.repeat(base64Length(MAX_CALL_BODY_BYTES) + 4)),
      error: /bodyBase64: must encode at most 67108864 bytes/,
    },
    {
      name: 'sync without reply channel',
      value: withField(syncJob, ['replyTo'], undefined),
      error: /^replyTo: is required for a sync/,
    },
    {
      name: 'reply channel of no gateway',
      value: withField(syncJob, ['replyTo'], 'spool:events:scaled'),
      error: /^replyTo: must be a gateway reply channel/,
    },
    {
      name: 'callback on a sync call',
      value: withField(syncJob, ['callbackUrl'], 'http://a.test/'),
      error: /^callbackUrl: is for async/,
    },
    {
      name: 'read token on a sync call',
      value: withField(syncJob, ['readTokenSha256'], 'a'.repeat(64)),
      error: /^readTokenSha256: is for async/,
    },
    {
      name: 'read token hash not hex',
      value: withField(asyncJob, ['readTokenSha256'], 'Z'.repeat(64)),
      error: /^readTokenSha256: must be hex SHA-256/,
    },
    {
      name: 'read token hash too short',
      value: withField(asyncJob, ['readTokenSha256'], 'a'.repeat(63)),
      error: /^readTokenSha256: must be 64 to 64 characters/,
    },
    {
      name: 'callback not http',
      value: withField(asyncJob, ['callbackUrl'], 'file:///etc/passwd'),
      error: /^callbackUrl:/,
    },
    {
      name: 'trace of numbers',
      value: withField(syncJob, ['trace'], { traceparent: 1 }),
      error: /^trace\.traceparent: must be a string/,
    },
    {
      name: 'negative enqueue time',
      value: withField(syncJob, ['enqueuedAtMs'], -1),
      error: /^enqueuedAtMs:/,
    },
    {
      name: 'a body both inline and kept apart',
      value: withField(syncJob, ['request', 'bodyStoredBytes'], 5),
      error: /^request\.bodyBase64: must be empty when bodyStoredBytes is set/,
    },
    {
      name: 'a negative stored length',
      value: withField(
        withField(syncJob, ['request', 'bodyBase64'], '') as object,
        ['request', 'bodyStoredBytes'],
        -1,
      ),
      error: /^request\.bodyStoredBytes: must be an integer from 0 to 67108864/,
    },
    {
      name: 'a stored length past the largest body',
      value: withField(
        withField(syncJob, ['request', 'bodyBase64'], '') as object,
        ['request', 'bodyStoredBytes'],
        MAX_CALL_BODY_BYTES + 1,
      ),
      error: /^request\.bodyStoredBytes:/,
    },
    { name: 'fractional expiry', value: withField(syncJob, ['expiresAtMs'], 1.5), error: /^expiresAtMs:/ },
    { name: 'null expiry', value: withField(syncJob, ['expiresAtMs'], null), error: /^expiresAtMs:/ },
  ])('refuses $name', ({ value, error }) => {
    const decoded = decodeInvocationJob(value);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.error).toMatch(error);
  });
});

describe('invocation result and reply', () => {
  test.each([
    { name: 'a function response', result },
    { name: 'a platform failure', result: failure },
    { name: 'an empty 204', result: { ...result, status: 204, headers: {}, bodyBase64: '' } },
    {
      name: 'repeated Set-Cookie lines kept apart',
      result: { ...result, headers: { 'set-cookie': ['a=1; Path=/', 'b=2'], 'content-type': 'text/plain' } },
    },
    { name: 'a gateway-decided result (attempt 0)', result: { ...failure, attempt: 0 } },
    {
      name: 'a result whose 8 MiB body is kept apart',
      result: { ...result, bodyBase64: '', bodyStoredBytes: 8 * 1024 * 1024 },
    },
  ])('$name round-trips as a result and in a reply', ({ result }) => {
    expect(decodeInvocationResult(wire(result))).toEqual({ ok: true, value: result });
    const reply: Reply = { callId, result };
    expect(decodeReply(encodeReply(reply))).toEqual({ ok: true, value: reply });
  });

  test('a result with a body both inline and kept apart is refused', () => {
    expect(decodeInvocationResult(wire({ ...result, bodyStoredBytes: 4 }))).toEqual({
      ok: false,
      error: 'bodyBase64: must be empty when bodyStoredBytes is set',
    });
  });

  // A reply may also be a notice that the job completed and holds the result.
  test.each([
    {
      name: 'a completed notice',
      raw: { callId, completed: true },
      want: { ok: true, value: { callId, completed: true } },
    },
    {
      name: 'completed false',
      raw: { callId, completed: false },
      want: { ok: false, error: 'completed: must be true, was false' },
    },
    {
      name: 'completed as text',
      raw: { callId, completed: 'true' },
      want: { ok: false, error: 'completed: must be true, was "true"' },
    },
    {
      name: 'both a result and a notice',
      raw: { callId, completed: true, result },
      want: { ok: false, error: 'carries both "result" and "completed"' },
    },
    { name: 'neither', raw: { callId }, want: { ok: false, error: 'result: is required' } },
    {
      name: 'a notice without a call id',
      raw: { completed: true },
      want: { ok: false, error: 'callId: is required' },
    },
  ])('reply: $name', ({ raw, want }) => {
    expect(decodeReply(JSON.stringify(raw))).toEqual(want);
  });

  test.each([
    {
      name: 'status below 100',
      value: withField(result, ['status'], 99),
      error: /^status: must be an integer from 100 to 599/,
    },
    { name: 'status above 599', value: withField(result, ['status'], 600), error: /^status:/ },
    { name: 'status as text', value: withField(result, ['status'], '200'), error: /^status:/ },
    { name: 'fractional status', value: withField(result, ['status'], 200.5), error: /^status:/ },
    {
      name: 'unknown error code',
      value: withField(failure, ['error', 'code'], 'PWNED'),
      error: /^error\.code: must be a known error code/,
    },
    {
      name: 'error without message',
      value: withField(failure, ['error', 'message'], undefined),
      error: /^error\.message: is required/,
    },
    {
      name: 'huge error message',
      value: withField(failure, ['error', 'message'], 'x'.repeat(20_000)),
      error: /^error\.message:/,
    },
    { name: 'no attempt', value: withField(result, ['attempt'], undefined), error: /^attempt: is required/ },
    {
      name: 'headers with a forged CR LF',
      value: withField(result, ['headers'], { 'set-cookie': 'a\r\nb' }),
      error: /^headers\.set-cookie: must be a header value/,
    },
    { name: 'a list', value: [result], error: /^must be an object, was a list/ },
  ])('a result refuses $name', ({ value, error }) => {
    const decoded = decodeInvocationResult(value);
    expect(decoded.ok ? '' : decoded.error).toMatch(error);
  });

  test.each([
    { name: 'not JSON', raw: 'not json', error: /^not JSON/ },
    { name: 'empty', raw: '', error: /^not JSON/ },
    { name: 'a JSON string', raw: '"reply"', error: /^must be an object/ },
    { name: 'no result', raw: JSON.stringify({ callId }), error: /^result: is required/ },
    { name: 'a forged call id', raw: JSON.stringify({ callId: '../x', result }), error: /^callId:/ },
    {
      name: 'a result of the wrong shape',
      raw: JSON.stringify({ callId, result: { status: 200 } }),
      error: /^result\.headers: is required/,
    },
    {
      name: 'oversized, refused unread',
      raw: `{"callId":"${'x'.repeat(MAX_CALL_MESSAGE_BYTES)}"}`,
      error: /exceeds/,
    },
  ])('a reply refuses $name', ({ raw, error }) => {
    const decoded = decodeReply(raw);
    expect(decoded.ok ? '' : decoded.error).toMatch(error);
  });
});

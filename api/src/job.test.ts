import { describe, expect, test } from '@jest/globals';
import {
  BODY_CHUNK_BYTES,
  BODY_INLINE_MAX_BYTES,
  BODY_TAIL_CHUNK_BYTES,
  bodyChunks,
  asyncRequestBodyTtlMs,
  asyncResultBodyTtlMs,
  bodyFields,
  checkStoredBody,
  forwardableHeaders,
  hasStoredBody,
  headerValues,
  isKeptApart,
  outgoingHeaders,
  syncResultBodyTtlMs,
} from './job.js';

describe('where a body travels', () => {
  test.each([
    { name: 'empty', bytes: 0, apart: false },
    { name: '1 KiB', bytes: 1024, apart: false },
    { name: 'at the inline limit', bytes: BODY_INLINE_MAX_BYTES, apart: false },
    { name: 'one byte past it', bytes: BODY_INLINE_MAX_BYTES + 1, apart: true },
    { name: '8 MiB', bytes: 8 * 1024 * 1024, apart: true },
  ])('$name: kept apart $apart', ({ bytes, apart }) => {
    const body = Buffer.alloc(bytes, 1);
    const fields = bodyFields(body);
    expect({ apart: isKeptApart(bytes), stored: hasStoredBody(fields), fields }).toEqual({
      apart,
      stored: apart,
      fields: apart ? { bodyBase64: '', bodyStoredBytes: bytes } : { bodyBase64: body.toString('base64') },
    });
  });
});

describe('bodyChunks', () => {
  const C = BODY_CHUNK_BYTES;
  const T = BODY_TAIL_CHUNK_BYTES;
  test.each([
    { name: 'under one chunk: tail pieces only', bytes: 16 * 1024 + 1, sizes: [T, T, T, T, 257] },
    { name: 'exactly one chunk', bytes: C, sizes: [C] },
    // 1 MiB = 16 chunks of 65,472 and 1,024 bytes left.
    { name: '1 MiB', bytes: 1024 * 1024, sizes: [...Array<number>(16).fill(C), 1024] },
    { name: 'one chunk and two tail pieces', bytes: C + T + 1, sizes: [C, T, 1] },
  ])('$name', ({ bytes, sizes }) => {
    const body = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) body[i] = i % 251;
    const chunks = bodyChunks(body);
    expect({ sizes: chunks.map((c) => c.length), joined: Buffer.concat(chunks).equals(body) }).toEqual({
      sizes,
      joined: true,
    });
  });

  test('the largest body (64 MiB) stays within what one script call may pass', () => {
    expect(bodyChunks(Buffer.alloc(64 * 1024 * 1024)).length).toBeLessThan(8000 - 10);
  });
});

describe('checkStoredBody', () => {
  test.each([
    { name: 'the recorded length', raw: Buffer.alloc(3), want: { ok: true, value: Buffer.alloc(3) } },
    { name: 'an empty body', raw: Buffer.alloc(0), expected: 0, want: { ok: true, value: Buffer.alloc(0) } },
    {
      name: 'a key that is gone',
      raw: null,
      want: { ok: false, error: 'the body of 3 bytes is gone from Redis (expired or deleted)' },
    },
    {
      name: 'a truncated body',
      raw: Buffer.alloc(2),
      want: { ok: false, error: 'the body holds 2 bytes, its job recorded 3' },
    },
    {
      name: 'a longer body',
      raw: Buffer.alloc(4),
      want: { ok: false, error: 'the body holds 4 bytes, its job recorded 3' },
    },
  ])('$name', ({ raw, expected, want }) => {
    expect(checkStoredBody(raw, expected ?? 3, 'the body')).toEqual(want);
  });
});

describe('body key lifetimes', () => {
  test.each([
    // 5 s function: 2 × 5 s + the 5 minutes sync calls are kept for /calls.
    { name: 'a sync result, 5 s timeout', ttlMs: syncResultBodyTtlMs(5), want: 310_000 },
    {
      name: 'an async result lives as long as the call is retained',
      ttlMs: asyncResultBodyTtlMs(3600),
      want: 3_600_000,
    },
    {
      name: 'an async request body: retention plus a day',
      ttlMs: asyncRequestBodyTtlMs(3600),
      want: 90_000_000,
    },
  ])('$name', ({ ttlMs, want }) => {
    expect(ttlMs).toBe(want);
  });
});

describe('forwardableHeaders', () => {
  test.each([
    {
      name: 'lower-cases names and drops hop-by-hop headers',
      headers: { 'Content-Type': 'text/plain', Host: 'x', 'Transfer-Encoding': 'chunked', Upgrade: 'h2c' },
      want: { 'content-type': 'text/plain' },
    },
    {
      name: 'drops the headers Connection names',
      headers: { connection: 'close, X-Private , keep-alive', 'x-private': '1', 'x-public': '2' },
      want: { 'x-public': '2' },
    },
    {
      name: 'keeps each Set-Cookie',
      headers: { 'set-cookie': ['a=1; Path=/', 'b=2'] },
      want: { 'set-cookie': ['a=1; Path=/', 'b=2'] },
    },
    {
      name: 'merges names that differ only in case into one list',
      headers: { 'X-Tag': 'a', 'x-tag': ['b'] },
      want: { 'x-tag': ['a', 'b'] },
    },
    {
      name: 'a single-valued header keeps its first line, as node does',
      headers: { 'content-type': ['text/plain', 'text/html'] },
      want: { 'content-type': 'text/plain' },
    },
    { name: 'a number becomes a string', headers: { 'x-n': 3 }, want: { 'x-n': '3' } },
  ])('$name', ({ headers, want }) => {
    expect(forwardableHeaders(headers)).toEqual(want);
  });
});

describe('headerValues and outgoingHeaders', () => {
  test('every value of a header, case-insensitively; lists become mutable arrays for node', () => {
    const headers = { 'Set-Cookie': ['a=1'], 'set-cookie': 'b=2', other: 'x' };
    expect({
      values: headerValues(headers, 'SET-COOKIE'),
      outgoing: outgoingHeaders({ 'set-cookie': Object.freeze(['a=1', 'b=2']), other: 'x' }),
    }).toEqual({ values: ['a=1', 'b=2'], outgoing: { 'set-cookie': ['a=1', 'b=2'], other: 'x' } });
  });
});

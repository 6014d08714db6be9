import { describe, expect, test } from '@jest/globals';
import { callbackRequest } from './callbacks.js';

const base = { startedAtMs: 0, finishedAtMs: 1, attempt: 1 };

describe('callbackRequest', () => {
  test('posts the function body with its status and the call id', () => {
    const { url, init } = callbackRequest({
      callId: 'ns.fn.1',
      callbackUrl: 'http://127.0.0.1:9/cb',
      result: {
        ...base,
        status: 201,
        headers: { 'content-type': 'text/plain' },
        bodyBase64: Buffer.from('hi').toString('base64'),
      },
    });
    expect({
      url,
      method: init.method,
      headers: init.headers,
      body: (init.body as Buffer).toString(),
    }).toEqual({
      url: 'http://127.0.0.1:9/cb',
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-call-id': 'ns.fn.1', 'x-function-status': '201' },
      body: 'hi',
    });
  });

  test('a platform error is posted as its JSON with the error header', () => {
    const { init } = callbackRequest({
      callId: 'ns.fn.1',
      callbackUrl: 'http://127.0.0.1:9/cb',
      result: {
        ...base,
        status: 504,
        headers: {},
        bodyBase64: '',
        error: { code: 'CALL_TIMEOUT', message: 'too slow' },
      },
    });
    expect({ headers: init.headers, body: init.body }).toEqual({
      headers: { 'x-call-id': 'ns.fn.1', 'x-function-status': '504', 'x-spool-error': 'CALL_TIMEOUT' },
      body: '{"code":"CALL_TIMEOUT","message":"too slow"}',
    });
  });
});

import { describe, expect, test } from '@jest/globals';
import { decodeFunctionStatus, decodeFunctionStatusJson } from './function-status.js';

const condition = {
  type: 'Ready',
  status: 'True',
  reason: 'Serving',
  message: '1 of 1 replicas ready',
  lastTransitionTime: '2026-01-02T03:04:05Z',
  observedGeneration: 1,
};
const status = { observedGeneration: 1, replicas: 1, readyReplicas: 1, queued: 0, conditions: [condition] };

describe('decodeFunctionStatus', () => {
  test.each([
    { name: 'a full status', raw: JSON.stringify(status), want: { ok: true, value: status } },
    { name: 'an empty status', raw: '{}', want: { ok: true, value: {} } },
    {
      name: 'a condition without a message gets the default',
      raw: JSON.stringify({ conditions: [{ ...condition, message: undefined }] }),
      want: { ok: true, value: { conditions: [{ ...condition, message: '' }] } },
    },
    { name: 'not JSON', raw: '{"replicas":', want: { ok: false } },
    { name: 'an array', raw: '[]', want: { ok: false } },
    { name: 'a negative count', raw: '{"replicas":-1}', want: { ok: false } },
    { name: 'an unknown field', raw: '{"owner":"me"}', want: { ok: false } },
    {
      name: 'a condition status outside True/False/Unknown',
      raw: JSON.stringify({ conditions: [{ ...condition, status: 'Maybe' }] }),
      want: { ok: false },
    },
    { name: 'oversized', raw: `{"x":"${'y'.repeat(1024 * 1024)}"}`, want: { ok: false } },
  ])('$name', ({ raw, want }) => {
    expect(decodeFunctionStatusJson(raw)).toMatchObject(want);
  });

  test('a refusal names the field', () => {
    const result = decodeFunctionStatus({ conditions: [{ ...condition, reason: 7 }] });
    expect(result.ok ? '' : result.error).toBe('status.conditions[0].reason must be a string');
  });
});

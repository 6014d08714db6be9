// Issue 12 in local mode: a user process that exits at start, or whose command does not exist, is reported as
// CrashLoopBackOff with its exit and stderr tail (conditions within 30 s), one that never accepts connections as
// StartTimeout once the start timeout has passed, and a sync call then fails fast with
// 503 FUNCTION_UNAVAILABLE naming the reason (within 5 s); an async call is still accepted. Real controller
// (process runtime, real watchdog processes), real gateway, real Redis, default watchdog settings.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ResolvedFunction } from '@spool/api';
import { staticSource } from '@spool/controller';
import { eventually } from '../../support/eventually.js';
import { testFunction } from '../../support/local-functions.js';
import {
  startLocalController,
  startRegistryGateway,
  type LocalController,
  type RegistryGateway,
} from '../../support/local-stack.js';

jest.setTimeout(120_000);

const exitsAtStart = testFunction(
  {
    image: 'x',
    command: [process.execPath, '-e', 'process.stderr.write("boom: no config found\\n"); process.exit(3)'],
    scale: { min: 1, max: 1 },
  },
  'exits-at-start',
);
const missingCommand = testFunction(
  { image: 'x', command: ['/nonexistent/spool-test-command'], scale: { min: 1, max: 1 } },
  'missing-command',
);

// Runs, never listens: the watchdog's default 30 s start timeout passes with the process alive.
const neverReady = testFunction(
  { image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], scale: { min: 1, max: 1 } },
  'never-ready',
);

let local: LocalController;
let gateway: RegistryGateway;
let url: string;

beforeAll(async () => {
  local = await startLocalController({ source: staticSource([exitsAtStart, missingCommand, neverReady]) });
  gateway = await startRegistryGateway();
  url = gateway.url;
});

afterAll(async () => {
  await gateway.close();
  await local.close();
});

interface Described {
  readonly state?: string;
  readonly conditions: { type: string; status: string; reason: string; message: string }[];
}

const describeFn = async (fn: ResolvedFunction): Promise<Described> => {
  const res = await fetch(`${url}/system/function/${fn.metadata.name}.${fn.metadata.namespace}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/system/function answered ${res.status}: ${text}`);
  return JSON.parse(text) as Described;
};
const ready = async (fn: ResolvedFunction): Promise<Described['conditions'][number] | undefined> =>
  (await describeFn(fn)).conditions.find((c) => c.type === 'Ready');

describe.each([
  {
    name: 'a user process that exits at start',
    fn: exitsAtStart,
    mentions: /exited with code 3: boom: no config found/,
  },
  { name: 'a command that does not exist', fn: missingCommand, mentions: /spool-test-command/ },
])('$name', ({ fn, mentions }) => {
  test('is CrashLoopBackOff with its exit within 30 s, and a sync call fails within 5 s naming it', async () => {
    const startedAt = Date.now();
    await eventually(async () => expect((await ready(fn))?.reason).toBe('CrashLoopBackOff'), {
      timeoutMs: 30_000,
    });
    const condition = await ready(fn);
    const conditionAfterMs = Date.now() - startedAt;

    const callStarted = Date.now();
    const res = await fetch(`${url}/function/${fn.metadata.name}.${fn.metadata.namespace}`, {
      method: 'POST',
      body: 'x',
    });
    const body = (await res.json()) as { code: string; message: string };
    const callMs = Date.now() - callStarted;
    const accepted = await fetch(`${url}/async-function/${fn.metadata.name}.${fn.metadata.namespace}`, {
      method: 'POST',
      body: 'x',
    });

    expect({
      condition: { status: condition?.status, mentions: mentions.test(condition?.message ?? '') },
      conditionWithin30s: conditionAfterMs < 30_000,
      call: { status: res.status, code: body.code, mentions: mentions.test(body.message) },
      callWithin5s: callMs < 5_000,
      async: accepted.status,
    }).toEqual({
      condition: { status: 'False', mentions: true },
      conditionWithin30s: true,
      call: { status: 503, code: 'FUNCTION_UNAVAILABLE', mentions: true },
      callWithin5s: true,
      async: 202,
    });
  });
});

describe('a user process that never accepts connections', () => {
  test('is StartTimeout once the default 30 s start timeout has passed, and a sync call then fails fast', async () => {
    // The bound is the timeout itself plus the 2 s recheck while starting: the verdict cannot come sooner.
    const condition = await eventually(
      async () => {
        const c = await ready(neverReady);
        expect(c?.reason).toBe('StartTimeout');
        return c;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    const callStarted = Date.now();
    const res = await fetch(`${url}/function/${neverReady.metadata.name}.${neverReady.metadata.namespace}`, {
      method: 'POST',
      body: 'x',
    });
    const body = (await res.json()) as { code: string; message: string };
    expect({
      condition: { status: condition?.status, message: condition?.message },
      call: { status: res.status, code: body.code, named: body.message.includes('StartTimeout') },
      callWithin5s: Date.now() - callStarted < 5_000,
    }).toEqual({
      condition: { status: 'False', message: expect.stringMatching(/start timeout 30 s/) },
      call: { status: 503, code: 'FUNCTION_UNAVAILABLE', named: true },
      callWithin5s: true,
    });
  });
});

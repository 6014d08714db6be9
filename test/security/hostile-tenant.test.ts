// The hostile-tenant suite (issue 11, item 10): a real function whose code, from inside its replica (a real
// watchdog process started by the process runtime, as `npm start` runs it), gathers every credential it can read
// and attacks another tenant through Redis, while that tenant's sync and async calls run. Every attempt on the
// other tenant is refused or dropped, and every one of its calls is answered correctly, once.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { KEY_PREFIX, queueName, type FunctionRef, type InvocationJob } from '@spool/api';
import { createProcessRuntime, silentLog, systemClock, type ProcessRuntime } from '@spool/controller';
import { report } from '../faults/support/tally.js';
import { eventually } from '../support/eventually.js';
import {
  examplePath,
  fixturePath,
  repoRoot,
  startGateway,
  startOutboxMover,
  testFunction,
  type RunningOutboxMover,
  type TestGateway,
} from '../support/local-functions.js';
import { runtimeCredential, startProductRedis, type ProductRedis } from '../support/redis-auth.js';

jest.setTimeout(120_000);

const attacker = testFunction(
  { image: 'x', command: [process.execPath, fixturePath('hostile-tenant.mjs')], workingDir: repoRoot },
  'attacker',
);
const victim = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('sleep'), concurrency: 12 },
  'victim',
);
const refOf = (fn: typeof attacker): FunctionRef => ({
  namespace: fn.metadata.namespace,
  name: fn.metadata.name,
});

interface Attempt {
  readonly username: string;
  readonly target: string;
  readonly outcome: 'allowed' | 'refused' | 'error';
  readonly message?: string;
}
interface AttackReport {
  readonly addresses: string[];
  readonly usernames: string[];
  readonly attempts: Attempt[];
}

let redis: ProductRedis;
let runtime: ProcessRuntime;
let mover: RunningOutboxMover;
let gateway: TestGateway;
let target: Server;
let stateDir: string;
/** Callback bodies received, by call id. */
const callbacks = new Map<string, string[]>();

beforeAll(async () => {
  redis = await startProductRedis();
  stateDir = mkdtempSync(join(tmpdir(), 'spool-hostile-'));
  runtime = createProcessRuntime({
    watchdogCommand: [process.execPath, join(repoRoot, 'watchdog/dist/main.js')],
    redisUrl: redis.address,
    stateDir,
    baseEnv: process.env,
    clock: systemClock,
    log: silentLog,
  });
  for (const fn of [attacker, victim]) {
    await runtime.apply(fn, await runtimeCredential(redis.operatorUrl, refOf(fn)));
    await runtime.scale(refOf(fn), 1);
  }
  mover = await startOutboxMover(redis, [refOf(attacker), refOf(victim)]);
  await eventually(
    async () => {
      for (const fn of [attacker, victim]) {
        const { readyReplicas } = await runtime.observeReplicas(refOf(fn));
        if (readyReplicas !== 1) throw new Error(`${fn.metadata.name}: ${readyReplicas} ready`);
      }
    },
    { timeoutMs: 30_000 },
  );
  gateway = await startGateway([attacker, victim], { SPOOL_CALLBACK_ALLOW: 'loopback' }, redis);
  target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['x-call-id']);
      callbacks.set(id, [...(callbacks.get(id) ?? []), Buffer.concat(chunks).toString()]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await gateway?.close();
  await runtime?.close();
  await mover?.close();
  await new Promise((resolve) => target?.close(resolve));
  await redis?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const SLEEP_MS = 3000;
const path = (fn: typeof attacker, kind: string, query = ''): string =>
  `${gateway.url}/${kind}/${fn.metadata.name}.${fn.metadata.namespace}${query}`;

describe('a hostile tenant', () => {
  test("is refused or dropped in every attempt; the other tenant's calls are all answered correctly, once", async () => {
    const callbackUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/done`;
    const sync = Array.from({ length: 6 }, () =>
      fetch(path(victim, 'function', `?ms=${SLEEP_MS}`)).then(async (r) => ({
        status: r.status,
        id: r.headers.get('x-call-id') ?? '',
        body: await r.text(),
      })),
    );
    const asyncIds = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const r = await fetch(path(victim, 'async-function', `?ms=${SLEEP_MS}`), {
          method: 'POST',
          headers: { 'x-callback-url': callbackUrl },
        });
        expect(r.status).toBe(202);
        return r.headers.get('x-call-id') ?? '';
      }),
    );
    // The attacker is told every in-flight call id of the victim: the worst case.
    const queue = new Queue<InvocationJob>(queueName(refOf(victim)), {
      connection: { url: redis.operatorUrl },
      prefix: KEY_PREFIX,
    });
    const victimCallIds = await eventually(async () => {
      const active = await queue.getActive();
      expect(active.length).toBe(12);
      return active.map((j) => j.data.callId);
    });
    await queue.close();

    const res = await fetch(path(attacker, 'function'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        victim: refOf(victim),
        victimCallIds,
        gatewayId: gateway.gatewayId,
        callbackUrl,
      }),
    });
    expect(res.status).toBe(200);
    const attack = (await res.json()) as AttackReport;

    const answers = await Promise.all(sync);
    await eventually(() => expect(asyncIds.every((id) => callbacks.has(id))).toBe(true), {
      timeoutMs: 30_000,
    });
    // Late forged callbacks would arrive within the mover's next sweep: give it one.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const correct = (body: string): boolean => {
      try {
        return (JSON.parse(body) as { sleptMs?: unknown }).sleptMs === SLEEP_MS;
      } catch {
        return false;
      }
    };
    const syncCorrect = answers.filter((a) => a.status === 200 && correct(a.body)).length;
    const asyncCorrect = asyncIds.filter((id) => {
      const bodies = callbacks.get(id) ?? [];
      return bodies.length === 1 && correct(bodies[0] ?? '');
    }).length;
    const ownUser = `spool-fn-${attacker.metadata.namespace}.${attacker.metadata.name}`;
    const authenticated = attack.attempts.filter((a) => a.target === 'auth' && a.outcome === 'allowed');
    const onOthers = attack.attempts.filter((a) => a.target !== 'auth' && !a.target.includes('its own'));
    const figures = {
      sent: 12,
      answered: syncCorrect + asyncCorrect,
      lost:
        12 -
        answers.filter((a) => a.status === 200).length -
        asyncIds.filter((id) => callbacks.has(id)).length,
      duplicated: asyncIds.filter((id) => (callbacks.get(id)?.length ?? 0) > 1).length,
      wrong: answers.filter((a) => !correct(a.body)).length,
      credentialsTried: attack.attempts.filter((a) => a.target === 'auth').length,
      credentialsAccepted: authenticated.length,
      attacks: onOthers.length,
      attacksRefused: onOthers.filter((a) => a.outcome === 'refused').length,
      forgedDelivered: [...callbacks.keys()].filter((id) => !asyncIds.includes(id)).length,
    };
    report('hostile tenant: credentials from its env and /proc, forged replies and callbacks', figures);

    // It really attacked: it found the Redis address and its own credential, and nothing else worked.
    expect(attack.addresses.length).toBeGreaterThan(0);
    expect(authenticated.map((a) => a.username)).toEqual([ownUser]);
    expect(onOthers.filter((a) => a.outcome !== 'refused')).toEqual([]);
    // What Redis lets it do in its own scope reached the gateway and the controller, which dropped it.
    expect(attack.attempts.filter((a) => a.target.includes('its own')).map((a) => a.outcome)).toEqual([
      'allowed',
      'allowed',
    ]);
    expect(figures).toMatchObject({
      sent: 12,
      answered: 12,
      lost: 0,
      duplicated: 0,
      wrong: 0,
      forgedDelivered: 0,
    });
    expect(figures.attacks).toBeGreaterThanOrEqual(14);
  });
});

// SPOOL_CALLBACK_MAX_ATTEMPTS (issue 9 item 4): the delivering gateway's setting decides how often a failing
// callback is tried, whatever the watchdog that enqueued it asked BullMQ for. Every gateway drains the one
// callback queue, so this file runs on a Redis of its own, where its gateway is the only deliverer.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CALLBACK_QUEUE,
  GATEWAY_USER,
  KEY_PREFIX,
  MAX_CALLBACK_ATTEMPTS,
  parseFailureReason,
  parseGatewayConfig,
  parseWatchdogConfig,
} from '@spool/api';
import { createGateway, staticRegistry, type Gateway } from '@spool/gateway';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { eventually } from '../../support/eventually.js';
import { jobInState } from '../../support/jobs.js';
import {
  examplePath,
  startOutboxMover,
  testFunction,
  type RunningOutboxMover,
} from '../../support/local-functions.js';
import { grantFunctionUser, startProductRedis, type ProductRedis } from '../../support/redis-auth.js';
import { freePort } from '../../support/redis-server.js';

jest.setTimeout(60_000);

const echo = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('echo') },
  'echo',
);

let server: ProductRedis;
let mover: RunningOutboxMover;
let gateway: Gateway;
let watchdog: Watchdog;
let target: Server;
let url: string;
const clients: Redis[] = [];
/** Callback requests received, by call id. */
const hits = new Map<string, number>();

/** As `auth` (the operator when none): each component connects as its own user, as in the product. */
const client = (auth?: { username: string; password: string }): Redis => {
  const redis = auth
    ? new Redis(server.address, { ...auth, maxRetriesPerRequest: null })
    : new Redis(server.operatorUrl, { maxRetriesPerRequest: null });
  clients.push(redis);
  return redis;
};

beforeAll(async () => {
  server = await startProductRedis();
  const own = await grantFunctionUser(server.operatorUrl, echo.metadata);
  const gatewayAuth = { username: GATEWAY_USER, password: server.gatewayPassword };
  mover = await startOutboxMover(server, [echo.metadata]);
  target = createServer((req, res) => {
    const id = String(req.headers['x-call-id']);
    hits.set(id, (hits.get(id) ?? 0) + 1);
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  watchdog = createWatchdog({
    config: parseWatchdogConfig({
      SPOOL_FUNCTION_NAME: echo.metadata.name,
      SPOOL_FUNCTION_NAMESPACE: echo.metadata.namespace,
      SPOOL_FUNCTION_SPEC: JSON.stringify(echo.spec),
      SPOOL_REDIS_URL: server.address,
      SPOOL_WATCHDOG_HOST: '127.0.0.1',
      SPOOL_WATCHDOG_PORT: '0',
      SPOOL_USER_PORT: String(await freePort()),
    }),
    createRedis: () => client(own),
    baseEnv: process.env,
    logger: silentLogger,
  });
  await watchdog.start();
  gateway = createGateway({
    config: parseGatewayConfig({
      SPOOL_FUNCTIONS_DIR: 'unused',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_PORT: '0',
      SPOOL_REDIS_URL: server.address,
      SPOOL_CALLBACK_MAX_ATTEMPTS: '2',
    }),
    redis: client(gatewayAuth),
    subscriber: client(gatewayAuth),
    registry: staticRegistry([echo]),
    gatewayId: 'callback-attempts',
    log: silentLogger,
  });
  url = `http://127.0.0.1:${(await gateway.start()).port}`;
});

afterAll(async () => {
  await gateway.close();
  await watchdog.close();
  await mover.close();
  await new Promise((resolve) => target.close(resolve));
  for (const redis of clients) redis.disconnect();
  await server.stop();
});

describe('SPOOL_CALLBACK_MAX_ATTEMPTS', () => {
  test('a callback that keeps failing is tried as often as the gateway says, then kept as failed', async () => {
    const { port } = target.address() as AddressInfo;
    const res = await fetch(`${url}/async-function/${echo.metadata.name}.${echo.metadata.namespace}`, {
      method: 'POST',
      body: 'later',
      headers: { 'x-callback-url': `http://127.0.0.1:${port}/hook` },
    });
    expect(res.status).toBe(202);
    const id = String(res.headers.get('x-call-id'));
    const callbacks = new Queue(CALLBACK_QUEUE, { connection: client(), prefix: KEY_PREFIX });

    // The callback job's id is the call id; it ends failed once the gateway stops retrying it.
    const job = await eventually(() => jobInState(callbacks, id, 'failed'), { timeoutMs: 20_000 });
    expect({
      hits: hits.get(id),
      attemptsMade: job?.attemptsMade,
      askedOfBullmq: job?.opts.attempts,
      reason: job?.failedReason,
      code: parseFailureReason(job?.failedReason ?? '').code,
    }).toEqual({
      hits: 2,
      attemptsMade: 2,
      askedOfBullmq: MAX_CALLBACK_ATTEMPTS,
      reason: `callback to 127.0.0.1:${port} answered 500 (attempt 2 of 2)`,
      code: undefined,
    });
    await callbacks.close();
  });
});

// A hostile tenant against Redis (issue 11, items 1 and 10): with its own ACL user, a function's real watchdog
// serves its calls, and the same credentials are refused for every other tenant's keys and replies and for every
// keyspace-wide or admin command. Runs on a dedicated redis-server, because the last test turns the default user off.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CALLBACK_QUEUE,
  CONTROLLER_USER,
  GATEWAY_USER,
  KEY_PREFIX,
  LOCAL_FUNCTIONS_KEY,
  REPLICA_STATUS_KEY,
  callId,
  channels,
  checkReplyScope,
  functionReplyChannel,
  functionRef,
  functionUserName,
  gatewayReplyPattern,
  parseWatchdogConfig,
  queueKey,
  queueName,
  type FunctionRef,
  type InvocationJob,
  type InvocationResult,
  type Reply,
  requestBodyKey,
  resultBodyKey,
} from '@spool/api';
import {
  applyFunctionUser,
  REAPPLY_USER_AFTER_MS,
  applyServiceUsers,
  fileCredentialStore,
  newRedisPassword,
  readFunctionUsers,
  redisUserAccess,
  removeFunctionUser,
  removeStaleFunctionUsers,
  rotateFunctionUser,
  turnOffDefaultUser,
} from '@spool/controller';
import { readStoredBody, storeBody } from '@spool/node';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { eventually } from '../support/eventually.js';
import { testFunction } from '../support/local-functions.js';
import { uniqueFunctionRef } from '../support/redis.js';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(30_000);

const echoExample = join(fileURLToPath(new URL('../../', import.meta.url)), 'examples', 'echo');
const gatewayId = `security-${randomUUID().slice(0, 8)}`;
const passwords = { gateway: newRedisPassword(), controller: newRedisPassword() };

let server: RedisServer;
let admin: Redis;
let controller: Redis;
let gateway: Redis;
let gatewaySubscriber: Redis;
const opened: Redis[] = [];
const received: { channel: string; reply: Reply }[] = [];

interface Tenant {
  readonly ref: FunctionRef;
  password: string;
  readonly queue: Queue<InvocationJob>;
}
let victim: Tenant;
let attacker: Tenant;
let attackerWatchdog: Watchdog;

const connect = (user: string, password: string, options: { blocking?: boolean } = {}): Redis => {
  const client = new Redis(server.url, {
    username: user,
    password,
    // A refused login must fail the test's command, not retry forever.
    retryStrategy: () => null,
    ...(options.blocking ? { maxRetriesPerRequest: null } : {}),
  });
  client.on('error', () => {});
  opened.push(client);
  return client;
};

const asTenant = (tenant: Tenant): Redis => connect(functionUserName(tenant.ref), tenant.password);

async function provisionTenant(): Promise<Tenant> {
  const ref = uniqueFunctionRef('echo');
  const password = newRedisPassword();
  await applyFunctionUser(controller, ref, password);
  const queue = new Queue<InvocationJob>(queueName(ref), { connection: gateway, prefix: KEY_PREFIX });
  return { ref, password, queue };
}

function syncJob(ref: FunctionRef, jobId: string, body: string): InvocationJob {
  return {
    version: 1,
    callId: callId(ref, jobId),
    kind: 'sync',
    request: {
      method: 'POST',
      path: '/',
      query: '',
      headers: { authorization: 'Bearer victim-secret' },
      bodyBase64: Buffer.from(body).toString('base64'),
    },
    replyTo: functionReplyChannel(ref, gatewayId),
    trace: {},
    enqueuedAtMs: Date.now(),
  };
}

/** Enqueues as the gateway user; resolves with the reply the gateway's pattern subscription received. */
async function callThroughGateway(
  tenant: Tenant,
  body: string,
  job: (jobId: string) => InvocationJob = (jobId) => syncJob(tenant.ref, jobId, body),
  jobId = randomUUID(),
): Promise<InvocationResult> {
  await tenant.queue.add('invoke', job(jobId), { jobId });
  const id = callId(tenant.ref, jobId);
  return eventually(() => {
    const hit = received.find((r) => r.reply.callId === id && checkReplyScope(r.channel, id).ok);
    if (hit === undefined) throw new Error(`no in-scope reply yet for ${id}`);
    // A small body: the reply carries its result, not a completed notice.
    if (!('result' in hit.reply)) throw new Error(`a completed notice for ${id}, not its result`);
    return hit.reply.result;
  });
}

async function startWatchdog(tenant: Tenant): Promise<Watchdog> {
  const config = parseWatchdogConfig({
    SPOOL_FUNCTION_NAME: tenant.ref.name,
    SPOOL_FUNCTION_NAMESPACE: tenant.ref.namespace,
    SPOOL_FUNCTION_SPEC: JSON.stringify({
      image: 'echo',
      command: ['node', 'server.mjs'],
      workingDir: echoExample,
    }),
    SPOOL_REDIS_URL: server.url,
    SPOOL_WATCHDOG_HOST: '127.0.0.1',
    SPOOL_WATCHDOG_PORT: '0',
    SPOOL_USER_PORT: String(await freePort()),
    SPOOL_KILL_GRACE_MS: '300',
    SPOOL_START_TIMEOUT_MS: '10000',
  });
  const watchdog = createWatchdog({
    config,
    createRedis: () =>
      new Redis(server.url, {
        username: functionUserName(tenant.ref),
        password: tenant.password,
        maxRetriesPerRequest: null,
      }).on('error', () => {}),
    baseEnv: { ...process.env },
    logger: silentLogger,
  });
  await watchdog.start();
  return watchdog;
}

const bodyText = (result: InvocationResult): string => Buffer.from(result.bodyBase64, 'base64').toString();

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  opened.push(admin);
  await applyServiceUsers(admin, passwords);
  controller = connect(CONTROLLER_USER, passwords.controller);
  gateway = connect(GATEWAY_USER, passwords.gateway);
  gatewaySubscriber = connect(GATEWAY_USER, passwords.gateway);
  gatewaySubscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    received.push({ channel, reply: JSON.parse(message) as Reply });
  });
  await gatewaySubscriber.psubscribe(gatewayReplyPattern(gatewayId));
  victim = await provisionTenant();
  attacker = await provisionTenant();
  attackerWatchdog = await startWatchdog(attacker);
});

afterAll(async () => {
  await attackerWatchdog?.close();
  await victim?.queue.close();
  await attacker?.queue.close();
  for (const client of opened) client.disconnect();
  await server?.stop();
});

describe('a function user', () => {
  test('serves its own calls through a real watchdog, the reply arriving on its own scope', async () => {
    const result = await callThroughGateway(attacker, 'hello');
    expect(result.status).toBe(200);
    expect(bodyText(result)).toContain('hello');
  });

  test('reaches its own body keys: a 1 MiB body and its result, kept apart, pass through its watchdog', async () => {
    const body = randomBytes(1024 * 1024);
    const jobId = randomUUID();
    // As the gateway user: it writes the body before the add, and reads the result body after the reply.
    await storeBody(gateway, requestBodyKey(attacker.ref, jobId), body, 60_000);
    const apart = (id: string): InvocationJob => {
      const job = syncJob(attacker.ref, id, '');
      return { ...job, request: { ...job.request, bodyBase64: '', bodyStoredBytes: body.length } };
    };
    const result = await callThroughGateway(attacker, '', apart, jobId);
    const stored = await readStoredBody(gateway, resultBodyKey(attacker.ref, jobId));
    expect({ status: result.status, recorded: result.bodyStoredBytes, same: stored?.equals(body) }).toEqual({
      status: 200,
      recorded: body.length,
      same: true,
    });
  });

  describe('is refused everything of another tenant', () => {
    let victimJobKey: string;
    let victimJobId: string;
    let hostile: Redis;

    beforeAll(async () => {
      const jobId = randomUUID();
      victimJobId = jobId;
      await victim.queue.add('invoke', syncJob(victim.ref, jobId, 'victim body'), { jobId });
      await storeBody(
        gateway,
        requestBodyKey(victim.ref, jobId),
        Buffer.from('victim body kept apart'),
        60_000,
      );
      await storeBody(
        gateway,
        resultBodyKey(victim.ref, jobId),
        Buffer.from('victim result kept apart'),
        60_000,
      );
      victimJobKey = `${KEY_PREFIX}:${queueName(victim.ref)}:${jobId}`;
      hostile = asTenant(attacker);
    });

    const victimReplyChannel = (): string => functionReplyChannel(victim.ref, gatewayId);

    test.each([
      { name: 'GET of a job key', run: () => hostile.get(victimJobKey) },
      { name: 'HGETALL of a job hash', run: () => hostile.hgetall(victimJobKey) },
      { name: 'DEL of a job', run: () => hostile.del(victimJobKey) },
      {
        name: 'reading its request body',
        run: () => readStoredBody(hostile, requestBodyKey(victim.ref, victimJobId)),
      },
      {
        name: 'reading its result body',
        run: () => readStoredBody(hostile, resultBodyKey(victim.ref, victimJobId)),
      },
      {
        name: 'overwriting its result body by script',
        run: () => storeBody(hostile, resultBodyKey(victim.ref, victimJobId), Buffer.from('forged'), 1000),
        refusal: /NOPERM|can't access/,
      },
      {
        name: 'SET of its result body',
        run: () => hostile.set(resultBodyKey(victim.ref, victimJobId), 'forged'),
      },
      { name: 'DEL of its request body', run: () => hostile.del(requestBodyKey(victim.ref, victimJobId)) },
      { name: 'LRANGE of its wait list', run: () => hostile.lrange(queueKey(victim.ref, 'wait'), 0, -1) },
      { name: 'LPUSH on its wait list', run: () => hostile.lpush(queueKey(victim.ref, 'wait'), 'x') },
      {
        name: 'EVAL naming its key',
        run: () => hostile.eval("return redis.call('HGETALL', KEYS[1])", 1, victimJobKey),
      },
      {
        // Redis checks the keys of every command a script calls, not only the ones it declares.
        name: 'EVAL reaching its key without naming it',
        run: () => hostile.eval("return redis.call('HGETALL', ARGV[1])", 0, victimJobKey),
        refusal: /can't access at least one of the keys/,
      },
      { name: 'PUBLISH on its reply scope', run: () => hostile.publish(victimReplyChannel(), '{}') },
      { name: 'the shared callback queue', run: () => hostile.llen(`${KEY_PREFIX}:${CALLBACK_QUEUE}:wait`) },
      { name: 'the local registry', run: () => hostile.hgetall(LOCAL_FUNCTIONS_KEY) },
      { name: 'the replica status', run: () => hostile.hset(REPLICA_STATUS_KEY, 'x', 'y') },
    ])('$name', async ({ run, refusal }: { run: () => Promise<unknown>; refusal?: RegExp }) => {
      await expect(run()).rejects.toThrow(refusal ?? /NOPERM/);
    });

    test('and the victim job and its bodies are untouched', async () => {
      expect({
        job: await admin.hget(victimJobKey, 'name'),
        body: (await readStoredBody(admin, requestBodyKey(victim.ref, victimJobId)))?.toString(),
        result: (await readStoredBody(admin, resultBodyKey(victim.ref, victimJobId)))?.toString(),
      }).toEqual({ job: 'invoke', body: 'victim body kept apart', result: 'victim result kept apart' });
    });
  });

  describe('is refused keyspace-wide, admin and platform-channel commands', () => {
    let hostile: Redis;
    beforeAll(() => {
      hostile = asTenant(attacker);
    });

    test.each([
      { name: 'KEYS', args: ['KEYS', '*'] },
      { name: 'SCAN', args: ['SCAN', '0'] },
      { name: 'RANDOMKEY', args: ['RANDOMKEY'] },
      { name: 'DBSIZE', args: ['DBSIZE'] },
      { name: 'FLUSHALL', args: ['FLUSHALL'] },
      { name: 'FLUSHDB', args: ['FLUSHDB'] },
      { name: 'CONFIG GET', args: ['CONFIG', 'GET', '*'] },
      { name: 'ACL LIST', args: ['ACL', 'LIST'] },
      { name: 'ACL SETUSER', args: ['ACL', 'SETUSER', 'evil', 'on', 'nopass', '+@all', '~*'] },
      { name: 'CLIENT LIST', args: ['CLIENT', 'LIST'] },
      { name: 'CLIENT KILL', args: ['CLIENT', 'KILL', 'TYPE', 'normal'] },
      { name: 'MONITOR', args: ['MONITOR'] },
      { name: 'SCRIPT FLUSH', args: ['SCRIPT', 'FLUSH'] },
      { name: 'FUNCTION LIST', args: ['FUNCTION', 'LIST'] },
      { name: 'SELECT', args: ['SELECT', '1'] },
      { name: 'SHUTDOWN', args: ['SHUTDOWN', 'NOSAVE'] },
      { name: 'SUBSCRIBE to replies', args: ['SUBSCRIBE', `${KEY_PREFIX}:reply:x`] },
      { name: 'PSUBSCRIBE to every reply', args: ['PSUBSCRIBE', `${KEY_PREFIX}:reply:*`] },
      { name: 'PUBLISH on spool:events:scaled', args: ['PUBLISH', channels.scaled, 'not json'] },
      { name: 'PUBLISH on spool:events:functions', args: ['PUBLISH', channels.functions, 'x'] },
      {
        name: 'PUBLISH on the old unscoped reply channel',
        args: ['PUBLISH', `${KEY_PREFIX}:reply:${gatewayId}`, 'x'],
      },
    ])('$name', async ({ args }) => {
      const [command, ...rest] = args as [string, ...string[]];
      await expect(hostile.call(command, ...rest)).rejects.toThrow(/NOPERM/);
    });
  });

  test('DEBUG is refused by its ACL, not only by the server option that disables it', async () => {
    const verdict = await admin.call('ACL', 'DRYRUN', functionUserName(attacker.ref), 'DEBUG', 'SLEEP', '0');
    expect(String(verdict)).toMatch(/no permissions to run the 'debug' command/);
  });

  test('a reply it forges for another function, on its own scope, fails the gateway scope check', async () => {
    const hostile = asTenant(attacker);
    const forgedFor = callId(victim.ref, randomUUID());
    const channel = functionReplyChannel(attacker.ref, gatewayId);
    await hostile.publish(channel, JSON.stringify({ callId: forgedFor, result: { status: 200 } }));
    const forged = await eventually(() => {
      const hit = received.find((r) => r.reply.callId === forgedFor);
      if (hit === undefined) throw new Error('the forged reply has not arrived yet');
      return hit;
    });
    expect(checkReplyScope(forged.channel, forged.reply.callId)).toMatchObject({ ok: false });
  });
});

describe('the service users', () => {
  test('the gateway may not write the registry or manage users', async () => {
    await expect(gateway.hset(LOCAL_FUNCTIONS_KEY, 'x', 'y')).rejects.toThrow(/NOPERM/);
    await expect(gateway.call('ACL', 'SETUSER', 'evil', 'on')).rejects.toThrow(/NOPERM/);
    await expect(gateway.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
  });

  test('the controller writes status, counts queues and obliterates a deleted function queue', async () => {
    const ref = uniqueFunctionRef('gone');
    const queue = new Queue(queueName(ref), { connection: gateway, prefix: KEY_PREFIX });
    await queue.add('invoke', { x: 1 });
    await controller.multi().hset(REPLICA_STATUS_KEY, 'a/b', '{}').publish(channels.scaled, '{}').exec();
    expect(await controller.llen(queueKey(ref, 'wait'))).toBe(1);
    const asController = new Queue(queueName(ref), { connection: controller, prefix: KEY_PREFIX });
    await asController.obliterate({ force: true });
    expect(await admin.exists(queueKey(ref, 'wait'))).toBe(0);
    await Promise.all([queue.close(), asController.close()]);
    await expect(controller.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
  });
});

describe('the lifecycle of a function user', () => {
  test('re-applying it changes nothing and keeps its replica connected', async () => {
    const before = await admin.call('ACL', 'GETUSER', functionUserName(attacker.ref));
    await applyFunctionUser(controller, attacker.ref, attacker.password);
    expect(await admin.call('ACL', 'GETUSER', functionUserName(attacker.ref))).toEqual(before);
    expect(bodyText(await callThroughGateway(attacker, 'again'))).toContain('again');
  });

  test('rotating it disconnects the old credential, and the new one works', async () => {
    const old = asTenant(victim);
    expect(await old.ping()).toBe('PONG');
    const oldPassword = victim.password;
    victim.password = newRedisPassword();
    await rotateFunctionUser(controller, victim.ref, victim.password);
    await eventually(() => expect(old.status).toBe('end'));
    await expect(connect(functionUserName(victim.ref), oldPassword).ping()).rejects.toThrow(/WRONGPASS/);
    expect(await asTenant(victim).ping()).toBe('PONG');
  });

  test('removing it disconnects its replica and refuses its credential', async () => {
    const leaver = await provisionTenant();
    const live = asTenant(leaver);
    expect(await live.ping()).toBe('PONG');
    await removeFunctionUser(controller, leaver.ref);
    await removeFunctionUser(controller, leaver.ref); // already gone: still fine
    await eventually(() => expect(live.status).toBe('end'));
    await expect(asTenant(leaver).ping()).rejects.toThrow(/WRONGPASS/);
    const users = (await readFunctionUsers(controller)).map(functionUserName).sort();
    expect(users).toEqual([functionUserName(attacker.ref), functionUserName(victim.ref)].sort());
    await leaver.queue.close();
  });
});

describe('function access on reconcile', () => {
  const setUsers = async (): Promise<number> =>
    Number(/^cmdstat_acl\|setuser:calls=(\d+)/m.exec(await admin.info('commandstats'))?.[1] ?? 0);

  test('applies a user once, again after REAPPLY_USER_AFTER_MS or a reconnect, and never when it is current', async () => {
    let nowMs = 0;
    // Reconnecting, as the controller's own connection does (connect() gives up on a refused login instead).
    const own = new Redis(server.url, { username: CONTROLLER_USER, password: passwords.controller });
    opened.push(own);
    const store = fileCredentialStore(mkdtempSync(join(tmpdir(), 'spool-access-')));
    const access = redisUserAccess(own, store, () => nowMs);
    const fn = testFunction({ image: 'x', command: ['node', 'server.mjs'] }, 'reconciled');
    const user = functionUserName(functionRef(fn));
    const before = await setUsers();
    const first = await access.grant(fn);
    expect(await admin.call('ACL', 'GETUSER', user)).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(await access.grant(fn)).toEqual(first); // resyncs
    expect(await setUsers()).toBe(before + 1);

    nowMs += REAPPLY_USER_AFTER_MS;
    await access.grant(fn);
    expect(await setUsers()).toBe(before + 2);

    // A Redis that lost its users drops every connection: the reconnect forgets what was applied.
    await admin.call('ACL', 'DELUSER', user);
    const reconnected = new Promise((resolve) => own.once('ready', resolve));
    own.disconnect(true);
    await reconnected;
    await access.grant(fn);
    expect(await admin.call('ACL', 'GETUSER', user)).not.toBeNull();
    expect(await setUsers()).toBe(before + 3);

    await access.revoke(functionRef(fn));
    expect(await admin.call('ACL', 'GETUSER', user)).toBeNull();
    own.disconnect();
  });
});

describe('a resync', () => {
  test("removes the users of this install's functions deleted while no controller ran, never another install's", async () => {
    const orphan = await provisionTenant();
    await orphan.queue.close();
    // Another install on the same Redis: its user exists, its Function is not in this install's source.
    const foreign = await provisionTenant();
    await foreign.queue.close();
    const removed = await removeStaleFunctionUsers(controller, {
      provisioned: [attacker.ref, victim.ref, orphan.ref],
      existing: [attacker.ref, victim.ref],
    });
    expect(removed).toEqual([orphan.ref]);
    const users = (await readFunctionUsers(controller)).map(functionUserName).sort();
    expect(users).toEqual(
      [functionUserName(attacker.ref), functionUserName(victim.ref), functionUserName(foreign.ref)].sort(),
    );
    expect(await asTenant(foreign).ping()).toBe('PONG');
    await removeFunctionUser(controller, foreign.ref);
  });
});

describe('turning the default user off', () => {
  test('is refused from a connection that is the default user', async () => {
    await expect(turnOffDefaultUser(admin)).rejects.toThrow(/authenticated as it/);
    expect(await admin.ping()).toBe('PONG');
  });

  test('from the controller, leaves no password-less access', async () => {
    await turnOffDefaultUser(controller);
    await expect(admin.get('anything')).rejects.toThrow(/NOPERM/);
    const anonymous = new Redis(server.url, { retryStrategy: () => null, lazyConnect: true });
    anonymous.on('error', () => {});
    opened.push(anonymous);
    await expect(anonymous.call('GET', 'anything')).rejects.toThrow(/NOAUTH|NOPERM/);
    expect(await gateway.ping()).toBe('PONG');
  });
});

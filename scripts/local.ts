// The embedded default, supervised: a real redis-server (AOF, same port and data across restarts), the controller
// with the process runtime and the gateway, serving the Functions in examples/ (or SPOOL_FUNCTIONS_DIR). A child
// that exits is restarted with backoff (supervise.ts); Ctrl-C or SIGTERM stops all of them and leaves no process
// behind: each child and everything it starts carries the stack's tag (stack-processes.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signal, STACK_TAG_VAR, taggedProcesses } from './stack-processes.js';
import { decideRestart } from '@spool/api';
import { decideFailureLines, decodeListedFunctions } from './failure-lines.js';
import { LOCAL_STACK_BACKOFF, describeRestart, orphanRoots, stackTag } from './supervise.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = resolve(process.env['SPOOL_STATE_DIR'] ?? join(root, '.spool'));
const functionsDir = resolve(process.env['SPOOL_FUNCTIONS_DIR'] ?? join(root, 'examples'));
const gatewayPort = Number(process.env['SPOOL_PORT'] ?? 8080);
const stack = randomUUID();
mkdirSync(join(stateDir, 'redis'), { recursive: true });

/** How long a stopped child may drain before its process group is killed: the gateway's and controller's drains. */
const STOP_TIMEOUT_MS: Record<string, number> = { gateway: 70_000, controller: 70_000, redis: 10_000 };
/** How long orphaned replicas of a dead controller may finish their calls before they are killed. */
const ORPHAN_GRACE_MS = 15_000;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Kept across restarts so scripts and bookmarks keep working. */
function adminToken(): string {
  const file = join(stateDir, 'admin-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

interface RedisSecrets {
  /** The default user's password Redis starts with: only the controller's bootstrap uses it, then it is off. */
  readonly admin: string;
  readonly gateway: string;
  readonly controller: string;
}

/**
 * Generated once into the state dir (0600): Redis requires a password from its first start, and the controller
 * turns the default user off once it set up the gateway's and its own ACL users (docs/security.md).
 */
function redisSecrets(): RedisSecrets {
  const file = join(stateDir, 'redis-secrets.json');
  if (!existsSync(file)) {
    const password = (): string => randomBytes(32).toString('base64url');
    const secrets = { admin: password(), gateway: password(), controller: password() };
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as RedisSecrets;
}

/** The password goes in a 0600 config file, not on the command line, which every local user can read. */
function redisConfig(secrets: RedisSecrets): string {
  const file = join(stateDir, 'redis.conf');
  writeFileSync(file, `requirepass ${secrets.admin}\n`, { mode: 0o600 });
  return file;
}

interface Supervised {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  child?: ChildProcess;
  generation: number;
  startedAtMs: number;
  crashes: number;
  restartTimer?: NodeJS.Timeout | undefined;
}

const supervised: Supervised[] = [];
let stopping = false;

/** `<stateDir>/local-stack.json`: the launcher's and each child's pid, for operators and the fault test. */
function writeStackFile(): void {
  const children = Object.fromEntries(supervised.map((s) => [s.name, s.child?.pid ?? null]));
  writeFileSync(join(stateDir, 'local-stack.json'), JSON.stringify({ pid: process.pid, stack, children }));
}

function launch(s: Supervised): void {
  s.generation += 1;
  s.startedAtMs = Date.now();
  // detached: each child leads its own process group, so Ctrl-C reaches only the launcher, which stops them in order.
  const child = spawn(s.command, [...s.args], {
    cwd: root,
    env: { ...process.env, ...s.env, [STACK_TAG_VAR]: stackTag(stack, s.name, s.generation) },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  s.child = child;
  const generation = s.generation;
  child.once('error', (error) => console.error(`spool: could not start ${s.name}: ${error.message}`));
  child.once('exit', (code, sig) => onExit(s, generation, { code, signal: sig }));
  writeStackFile();
}

function onExit(
  s: Supervised,
  generation: number,
  exit: { code: number | null; signal: string | null },
): void {
  if (stopping) return;
  const livedMs = Date.now() - s.startedAtMs;
  const decision = decideRestart(s.crashes, livedMs, LOCAL_STACK_BACKOFF);
  s.crashes = decision.crashes;
  console.error(describeRestart(s.name, exit, livedMs, decision));
  reapGeneration(s.name, generation);
  s.restartTimer = setTimeout(() => {
    s.restartTimer = undefined;
    if (!stopping) launch(s);
  }, decision.delayMs);
}

/** What a dead child left running (a SIGKILLed controller's replicas): SIGTERM now, SIGKILL after a grace. */
function reapGeneration(name: string, generation: number): void {
  const tag = stackTag(stack, name, generation);
  const left = taggedProcesses(tag).filter((p) => p.tag === tag);
  if (left.length === 0) return;
  console.error(`spool: stopping ${left.length} process(es) the ${name} left behind`);
  for (const pid of orphanRoots(left)) signal(pid, 'SIGTERM');
  setTimeout(() => {
    for (const p of taggedProcesses(tag).filter((q) => q.tag === tag)) signal(p.pid, 'SIGKILL');
  }, ORPHAN_GRACE_MS).unref();
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

async function stopChild(s: Supervised): Promise<void> {
  clearTimeout(s.restartTimer);
  const child = s.child;
  if (child?.pid === undefined) return;
  const gone = exited(child);
  signal(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signal(-child.pid!, 'SIGKILL'), STOP_TIMEOUT_MS[s.name] ?? 10_000);
  await gone;
  clearTimeout(timer);
}

async function stop(code: number): Promise<never> {
  stopping = true;
  // Reverse order: the gateway drains first, the controller stops its replicas, Redis goes last.
  for (const s of [...supervised].reverse()) await stopChild(s);
  // Whatever is left (replicas of a controller that did not stop them): killed, and waited for.
  for (let i = 0; i < 50 && taggedProcesses(`${stack}/`).length > 0; i += 1) {
    for (const p of taggedProcesses(`${stack}/`)) signal(p.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.exit(code);
}
const onSignal = (): void => {
  if (!stopping) {
    void stop(0);
    return;
  }
  // A second Ctrl-C: no more draining.
  for (const p of taggedProcesses(`${stack}/`)) signal(p.pid, 'SIGKILL');
  process.exit(1);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function supervise(name: string, command: string, args: string[], env: Record<string, string>): void {
  const s: Supervised = { name, command, args, env, generation: 0, startedAtMs: 0, crashes: 0 };
  supervised.push(s);
  launch(s);
}

// Chosen once: a restarted Redis comes back where every client reconnects to, with its AOF.
const redisPort = Number(process.env['SPOOL_REDIS_PORT'] ?? (await freePort()));
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const secrets = redisSecrets();
supervise(
  'redis',
  process.env['SPOOL_REDIS_SERVER'] ?? 'redis-server',
  [
    redisConfig(secrets),
    '--bind',
    '127.0.0.1',
    '--port',
    String(redisPort),
    '--dir',
    join(stateDir, 'redis'),
    '--appendonly',
    'yes',
    '--save',
    '',
    '--loglevel',
    'warning',
    // Redis writes its process title over the memory /proc/PID/environ reads, tag included; without the tag
    // nothing finds a Redis a killed launcher left (stack-processes.ts).
    '--set-proc-title',
    'no',
  ],
  {},
);
const token = adminToken();
const controllerMetricsPort = await freePort();
supervise('controller', process.execPath, [join(root, 'controller/dist/bundle.js')], {
  SPOOL_REDIS_URL: redisUrl,
  SPOOL_REDIS_USERNAME: 'spool-controller',
  SPOOL_REDIS_PASSWORD: secrets.controller,
  SPOOL_REDIS_ADMIN_PASSWORD: secrets.admin,
  SPOOL_REDIS_GATEWAY_PASSWORD: secrets.gateway,
  SPOOL_RUNTIME: 'process',
  SPOOL_FUNCTIONS_DIR: functionsDir,
  SPOOL_STATE_DIR: stateDir,
  SPOOL_WATCHDOG_COMMAND: JSON.stringify([process.execPath, join(root, 'watchdog/dist/main.js')]),
  SPOOL_METRICS_HOST: '127.0.0.1',
  SPOOL_METRICS_PORT: String(controllerMetricsPort),
});
supervise('gateway', process.execPath, [join(root, 'gateway/dist/bundle.js')], {
  SPOOL_REDIS_URL: redisUrl,
  SPOOL_REDIS_USERNAME: 'spool-gateway',
  SPOOL_REDIS_PASSWORD: secrets.gateway,
  SPOOL_REGISTRY: 'local',
  SPOOL_FUNCTIONS_DIR: functionsDir,
  SPOOL_STATE_DIR: stateDir,
  SPOOL_HOST: '127.0.0.1',
  SPOOL_PORT: String(gatewayPort),
  SPOOL_ADMIN_TOKEN: token,
});
await waitFor(`http://127.0.0.1:${gatewayPort}/healthz`, 30_000);

const url = `http://127.0.0.1:${gatewayPort}`;
console.log(`
Spool is running at ${url}  (functions from ${functionsDir}, state in ${stateDir})
Admin token: ${token}

  curl -d 'hello' ${url}/function/echo
  curl '${url}/function/sleep?ms=250'
  curl --data-binary @package.json ${url}/function/wc
  curl -i -X POST -d 'later' ${url}/async-function/echo      # then GET ${url}/calls/<X-Call-Id> with X-Call-Token
  curl -H "Authorization: Bearer ${token}" ${url}/system/functions

A part that crashes is restarted; Ctrl-C stops everything.`);

/** How often the launcher asks which functions fail; each new reason is one line (failure-lines.ts). */
const FAILURE_POLL_MS = 2_000;
let printedFailures: ReadonlyMap<string, string> = new Map();
async function reportFailures(): Promise<void> {
  const body: unknown = await fetch(`${url}/system/functions`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(FAILURE_POLL_MS),
  }).then((r) => (r.ok ? r.json() : undefined));
  const listed = decodeListedFunctions(body);
  if (!listed.ok) return;
  const { lines, printed } = decideFailureLines(printedFailures, listed.value);
  printedFailures = printed;
  for (const line of lines) console.log(line);
}
const failurePoll = setInterval(() => {
  // The gateway restarting or Redis away: no answer this round is no news; the supervisor reports those.
  if (!stopping) reportFailures().catch(() => undefined);
}, FAILURE_POLL_MS);
failurePoll.unref();

// The embedded default: a real redis-server, the controller with the process runtime and the gateway,
// serving the Functions in examples/ (or SPOOL_FUNCTIONS_DIR). Ctrl-C stops all three.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = resolve(process.env['SPOOL_STATE_DIR'] ?? join(root, '.spool'));
const functionsDir = resolve(process.env['SPOOL_FUNCTIONS_DIR'] ?? join(root, 'examples'));
const gatewayPort = Number(process.env['SPOOL_PORT'] ?? 8080);
mkdirSync(join(stateDir, 'redis'), { recursive: true });

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

const children: ChildProcess[] = [];
function start(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`spool: ${name} exited (${signal ?? code}); stopping`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

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

let stopping = false;
async function stop(code: number): Promise<never> {
  stopping = true;
  // Reverse order: gateway drains first, the controller stops replicas, Redis goes last.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 70_000))]);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const redisPort = await freePort();
const redisUrl = `redis://127.0.0.1:${redisPort}`;
start(
  'redis',
  process.env['SPOOL_REDIS_SERVER'] ?? 'redis-server',
  [
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
  ],
  {},
);
const token = adminToken();
const controllerMetricsPort = await freePort();
start('controller', process.execPath, [join(root, 'controller/dist/main.js')], {
  SPOOL_REDIS_URL: redisUrl,
  SPOOL_RUNTIME: 'process',
  SPOOL_FUNCTIONS_DIR: functionsDir,
  SPOOL_STATE_DIR: stateDir,
  SPOOL_WATCHDOG_COMMAND: JSON.stringify([process.execPath, join(root, 'watchdog/dist/main.js')]),
  SPOOL_METRICS_HOST: '127.0.0.1',
  SPOOL_METRICS_PORT: String(controllerMetricsPort),
});
start('gateway', process.execPath, [join(root, 'gateway/dist/main.js')], {
  SPOOL_REDIS_URL: redisUrl,
  SPOOL_REGISTRY: 'local',
  SPOOL_FUNCTIONS_DIR: functionsDir,
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
  curl -i -X POST -d 'later' ${url}/async-function/echo      # then GET ${url}/calls/<X-Call-Id>
  curl -H "Authorization: Bearer ${token}" ${url}/system/functions

Ctrl-C stops everything.`);

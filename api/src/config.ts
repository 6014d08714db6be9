// Config is a pure parse of an env map: defaults first, every bad value a ConfigError naming key and value.
import { parseJson } from './decode.js';
import { defaultCallbackAllow, parseCallbackPolicy, type CallbackPolicy } from './callback-policy.js';
import { ConfigError } from './errors.js';
import { parseRedisTarget } from './redis-target.js';
import { functionSpecSchema, type FunctionSpec } from './function-schema.js';
import { formatProblems, type ResolvedFunction } from './function.js';
import { DEFAULT_NAMESPACE, WATCHDOG_PORT, type FunctionRef } from './names.js';
import { validate, withDefaults } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;

function present(env: Env, key: string): string | undefined {
  const raw = env[key];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

interface Range {
  readonly min: number;
  readonly max?: number;
}

function integer(
  env: Env,
  key: string,
  fallback: number,
  { min, max = Number.MAX_SAFE_INTEGER }: Range,
): number {
  const raw = present(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigError(`${key} must be ${range}, was: "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, key: string, fallback: T, values: readonly T[]): T {
  const raw = present(env, key);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(`${key} must be one of ${values.join(', ')}, was: "${raw}"`);
  return raw as T;
}

function redisUrl(env: Env): string {
  const raw = present(env, 'SPOOL_REDIS_URL') ?? 'redis://127.0.0.1:6379';
  const target = parseRedisTarget(raw);
  if (!target.ok) throw new ConfigError(`SPOOL_REDIS_URL ${target.error}, was: "${raw}"`);
  return raw;
}

/**
 * Who a component is to Redis: `SPOOL_REDIS_USERNAME` and `SPOOL_REDIS_PASSWORD` (docs/security.md, "Redis
 * isolation"). Kept apart from `SPOOL_REDIS_URL` so the address can be plain configuration while the password
 * comes from a Secret (`secretKeyRef`) or a private file. Unset: the URL's own credentials, or none.
 */
export interface RedisAuth {
  readonly username: string | undefined;
  readonly password: string | undefined;
}

export const REDIS_AUTH_ENV = {
  username: 'SPOOL_REDIS_USERNAME',
  password: 'SPOOL_REDIS_PASSWORD',
} as const satisfies Record<keyof RedisAuth, string>;

export function parseRedisAuth(env: Env): RedisAuth {
  const username = present(env, REDIS_AUTH_ENV.username);
  const password = env[REDIS_AUTH_ENV.password];
  if (username !== undefined && (password === undefined || password === ''))
    throw new ConfigError(`${REDIS_AUTH_ENV.password} is required when ${REDIS_AUTH_ENV.username} is set`);
  return Object.freeze({ username, password: password === '' ? undefined : password });
}

/** The env that makes `parseRedisAuth` return `auth`. */
export function redisAuthEnv(auth: RedisAuth): Record<string, string> {
  return {
    ...(auth.username === undefined ? {} : { [REDIS_AUTH_ENV.username]: auth.username }),
    ...(auth.password === undefined ? {} : { [REDIS_AUTH_ENV.password]: auth.password }),
  };
}

/** ioredis connection options for `auth`: only the fields that are set, so a URL's own credentials stay. */
export const redisAuthOptions = (auth: RedisAuth): { username?: string; password?: string } => ({
  ...(auth.username === undefined ? {} : { username: auth.username }),
  ...(auth.password === undefined ? {} : { password: auth.password }),
});

function list(env: Env, key: string): string[] {
  return (present(env, key) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function jsonOf(env: Env, key: string): unknown {
  const raw = present(env, key);
  if (raw === undefined) throw new ConfigError(`${key} is required`);
  const parsed = parseJson(raw);
  if (!parsed.ok) throw new ConfigError(`${key} must be JSON, was: "${raw.slice(0, 80)}" (${parsed.error})`);
  return parsed.value;
}

/**
 * Most deliveries SPOOL_CALLBACK_MAX_ATTEMPTS may ask for. A watchdog enqueues every callback with this many
 * attempts and the delivering gateway stops at its configured number, so the knob is the gateway's alone.
 */
export const MAX_CALLBACK_ATTEMPTS = 100;

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly redisUrl: string;
  /** The gateway's Redis user (`spool-gateway` when Spool manages Redis ACL). @defaultValue none */
  readonly redisAuth: RedisAuth;
  /** When set, `/system/*` requires `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  /** User name `/system/*` takes with the admin token as its password in HTTP Basic (as OpenFaaS). @defaultValue admin */
  readonly adminUser: string;
  /**
   * A namespace name served as an alias of `defaultNamespace` (OpenFaaS clients address `openfaas-fn` by default);
   * empty turns the alias off. @defaultValue openfaas-fn
   */
  readonly openfaasNamespace: string;
  /** The commit the gateway was built from, for `/system/info` (`SPOOL_BUILD_SHA`); empty when unknown. */
  readonly buildSha: string;
  /** Where functions are learned: the local folder of Function YAML files, or a watch on the API server. */
  readonly registry: 'local' | 'kubernetes';
  readonly functionsDir: string | undefined;
  /**
   * Local mode: Functions deployed through `/system/functions` are kept under `<stateDir>/deployed-functions/`,
   * which the controller reads beside the functions folder. @defaultValue .spool
   */
  readonly stateDir: string;
  /** Kubernetes mode: namespaces served; empty means all. */
  readonly namespaces: readonly string[];
  /** Unqualified `/function/NAME` resolves to this namespace. */
  readonly defaultNamespace: string;
  /** Hard cap on any request body, whatever a function allows. */
  readonly maxBodyBytes: number;
  /** How long a sync call may wait in the queue for a replica before it is withdrawn with 504. */
  readonly queueWaitMs: number;
  /**
   * How long past its timeout a sync call whose replica died is still waited for while another replica re-runs
   * it. Must exceed the watchdogs' lock duration plus stall interval (7.5 s by default, QueueLockConfig).
   * @defaultValue 15000
   */
  readonly recoveryMarginMs: number;
  /**
   * Longest wait for Redis to accept a call. Past it the caller gets 503 `QUEUE_UNAVAILABLE` and the call is
   * withdrawn, never run later (issue 10). @defaultValue 2000
   */
  readonly enqueueTimeoutMs: number;
  /** On SIGTERM, longest wait for replies in flight before closing. */
  readonly drainTimeoutMs: number;
  /** Deliveries of one callback before it is kept as failed, from 1 s doubling between attempts. */
  readonly callbackMaxAttempts: number;
  /** One callback attempt, from the address lookup to the end of the (capped) answer. */
  readonly callbackTimeoutMs: number;
  /**
   * Where callbacks may go (SPOOL_CALLBACK_ALLOW: keywords `public`, `private`, `loopback`, CIDRs, host
   * patterns, `!` to deny), checked on the resolved addresses of every attempt.
   * @defaultValue `public` in Kubernetes mode; `public,loopback` in local mode
   */
  readonly callbackAllow: CallbackPolicy;
  /** Callback attempts in flight at once in one gateway. @defaultValue 64 */
  readonly callbackConcurrency: number;
  /** Callback attempts in flight at once to one destination address; past it an attempt waits its turn. @defaultValue 4 */
  readonly callbackPerDestination: number;
}

function callbackPolicy(env: Env, localMode: boolean): CallbackPolicy {
  const raw = present(env, 'SPOOL_CALLBACK_ALLOW');
  const parsed = parseCallbackPolicy(
    raw === undefined ? defaultCallbackAllow(localMode) : list(env, 'SPOOL_CALLBACK_ALLOW'),
  );
  if ('badEntry' in parsed) {
    throw new ConfigError(
      `SPOOL_CALLBACK_ALLOW entries must be public, private, loopback, none, a CIDR or a host pattern (! denies), was: "${parsed.badEntry}"`,
    );
  }
  return parsed.policy;
}

export function defaultGatewayConfig(): GatewayConfig {
  return {
    host: '0.0.0.0',
    port: 8080,
    redisUrl: 'redis://127.0.0.1:6379',
    redisAuth: { username: undefined, password: undefined },
    adminToken: undefined,
    adminUser: 'admin',
    openfaasNamespace: 'openfaas-fn',
    buildSha: '',
    registry: 'local',
    functionsDir: undefined,
    stateDir: '.spool',
    namespaces: [],
    defaultNamespace: DEFAULT_NAMESPACE,
    maxBodyBytes: 64 * MiB,
    queueWaitMs: 60_000,
    recoveryMarginMs: 15_000,
    enqueueTimeoutMs: 2_000,
    drainTimeoutMs: 60_000,
    callbackMaxAttempts: 5,
    callbackTimeoutMs: 10_000,
    callbackAllow: callbackPolicy({}, true),
    callbackConcurrency: 64,
    callbackPerDestination: 4,
  };
}

export function parseGatewayConfig(env: Env): GatewayConfig {
  const d = defaultGatewayConfig();
  const registry = oneOf(env, 'SPOOL_REGISTRY', d.registry, ['local', 'kubernetes']);
  const functionsDir = present(env, 'SPOOL_FUNCTIONS_DIR');
  if (registry === 'local' && functionsDir === undefined)
    throw new ConfigError('SPOOL_FUNCTIONS_DIR is required when SPOOL_REGISTRY is local');
  return Object.freeze({
    host: present(env, 'SPOOL_HOST') ?? d.host,
    port: integer(env, 'SPOOL_PORT', d.port, { min: 0, max: 65535 }),
    redisUrl: redisUrl(env),
    redisAuth: parseRedisAuth(env),
    adminToken: present(env, 'SPOOL_ADMIN_TOKEN'),
    adminUser: present(env, 'SPOOL_ADMIN_USER') ?? d.adminUser,
    openfaasNamespace: env['SPOOL_OPENFAAS_NAMESPACE'] ?? d.openfaasNamespace,
    buildSha: present(env, 'SPOOL_BUILD_SHA') ?? d.buildSha,
    registry,
    functionsDir,
    stateDir: present(env, 'SPOOL_STATE_DIR') ?? d.stateDir,
    namespaces: Object.freeze(list(env, 'SPOOL_NAMESPACES')),
    defaultNamespace: present(env, 'SPOOL_DEFAULT_NAMESPACE') ?? d.defaultNamespace,
    maxBodyBytes: integer(env, 'SPOOL_MAX_BODY_BYTES', d.maxBodyBytes, { min: 1 }),
    queueWaitMs: integer(env, 'SPOOL_QUEUE_WAIT_MS', d.queueWaitMs, { min: 1 }),
    recoveryMarginMs: integer(env, 'SPOOL_RECOVERY_MARGIN_MS', d.recoveryMarginMs, { min: 0 }),
    enqueueTimeoutMs: integer(env, 'SPOOL_ENQUEUE_TIMEOUT_MS', d.enqueueTimeoutMs, { min: 1 }),
    drainTimeoutMs: integer(env, 'SPOOL_DRAIN_TIMEOUT_MS', d.drainTimeoutMs, { min: 0 }),
    callbackMaxAttempts: integer(env, 'SPOOL_CALLBACK_MAX_ATTEMPTS', d.callbackMaxAttempts, {
      min: 1,
      max: MAX_CALLBACK_ATTEMPTS,
    }),
    callbackTimeoutMs: integer(env, 'SPOOL_CALLBACK_TIMEOUT_MS', d.callbackTimeoutMs, { min: 1 }),
    callbackAllow: callbackPolicy(env, registry === 'local'),
    callbackConcurrency: integer(env, 'SPOOL_CALLBACK_CONCURRENCY', d.callbackConcurrency, {
      min: 1,
      max: 10_000,
    }),
    callbackPerDestination: integer(env, 'SPOOL_CALLBACK_PER_DESTINATION', d.callbackPerDestination, {
      min: 1,
      max: 10_000,
    }),
  });
}

export interface WatchdogConfig {
  readonly function: FunctionRef;
  readonly spec: FunctionSpec;
  readonly redisUrl: string;
  /**
   * The function's own Redis user (`spool-fn-<ns>.<name>`), given only to its replicas: in Kubernetes from a
   * Secret in the function's namespace, locally in the replica's private environment. @defaultValue none
   */
  readonly redisAuth: RedisAuth;
  /** Address of the watchdog's own server: `/_/health`, `/_/ready`, `/metrics`. */
  readonly host: string;
  readonly port: number;
  /** Where the user server listens in `http` mode; the port defaults to `spec.port`. */
  readonly userHost: string;
  readonly userPort: number;
  /** Between SIGTERM and SIGKILL when a process group is killed. */
  readonly killGraceMs: number;
  /** Longest wait for a started user server to accept connections. */
  readonly startTimeoutMs: number;
  /** Ceiling of the doubling restart delay after crashes. */
  readonly restartBackoffMaxMs: number;
  /**
   * After this many quick crashes in a row of a user process that was never ready, the watchdog writes how it
   * last ended to `terminationMessagePath` and exits, so that Kubernetes' CrashLoopBackOff carries the reason
   * (issue 12). 0: never exit, keep restarting (local mode, where the process runtime reads `/_/ready`).
   * @defaultValue 0
   */
  readonly exitAfterStartCrashes: number;
  /** Where that reason is written before the exit: the container's termination message file. @defaultValue unset */
  readonly terminationMessagePath: string | undefined;
  /** The queue lock and stall check: how soon a dead replica's calls run again elsewhere. */
  readonly lock: QueueLockConfig;
  /**
   * Set by the process runtime (`SPOOL_LIFELINE_FD`): a descriptor whose far end the parent holds. When it closes
   * (the parent died, even by SIGKILL) the watchdog shuts down, and each user process runs under a guard that kills
   * its group when the watchdog dies. Unset in Kubernetes, where the container's PID namespace ends every process
   * with the watchdog (PID 1).
   */
  readonly lifelineFd: number | undefined;
}

/**
 * BullMQ's lock on a running call and its stalled-job check, the same for every replica of an install. A replica
 * renews the locks of its calls every `lockRenewMs`; one that dies stops renewing, its locks lapse within
 * `lockDurationMs`, and the next check (every `stalledIntervalMs`, by any live replica) moves its calls back to the
 * queue: a dead replica's call runs again within about `lockDurationMs + stalledIntervalMs` (7.5 s by default),
 * plus the time a replica takes to pick it up. See docs/reliability.md for the measured figures.
 */
export interface QueueLockConfig {
  /**
   * How long a call's lock lives unless renewed: the slack a live but busy replica has before its call is
   * judged stalled and run elsewhere. @defaultValue 5000
   */
  readonly lockDurationMs: number;
  /**
   * How often a replica renews its locks (BullMQ's timer ticks at half this): 1.5 s leaves 3.5 s of a 5 s lock for
   * a stalled event loop or a slow Redis round trip before a false stall. @defaultValue 1500
   */
  readonly lockRenewMs: number;
  /** How often some replica looks for calls whose lock lapsed (one check per interval per queue). @defaultValue 2500 */
  readonly stalledIntervalMs: number;
  /**
   * A call is moved back to the queue this many times when its replica dies; past it, it fails (BullMQ
   * `maxStalledCount`, counted apart from `attempts`, so a sync call with one attempt is still re-run).
   * @defaultValue 1
   */
  readonly maxStalledCount: number;
}

export const defaultQueueLockConfig = (): QueueLockConfig => ({
  lockDurationMs: 5000,
  lockRenewMs: 1500,
  stalledIntervalMs: 2500,
  maxStalledCount: 1,
});

/** The variable each lock setting is read from. */
export const QUEUE_LOCK_ENV = {
  lockDurationMs: 'SPOOL_LOCK_DURATION_MS',
  lockRenewMs: 'SPOOL_LOCK_RENEW_MS',
  stalledIntervalMs: 'SPOOL_STALLED_INTERVAL_MS',
  maxStalledCount: 'SPOOL_MAX_STALLED_COUNT',
} as const satisfies Record<keyof QueueLockConfig, string>;

export function parseQueueLockConfig(env: Env): QueueLockConfig {
  const d = defaultQueueLockConfig();
  const k = QUEUE_LOCK_ENV;
  const lockDurationMs = integer(env, k.lockDurationMs, d.lockDurationMs, { min: 1000 });
  const lockRenewMs = integer(env, k.lockRenewMs, Math.min(d.lockRenewMs, Math.floor(lockDurationMs / 2)), {
    min: 100,
  });
  if (lockRenewMs >= lockDurationMs) {
    throw new ConfigError(
      `${k.lockRenewMs} must be less than ${k.lockDurationMs} (${lockDurationMs}), was: "${lockRenewMs}"`,
    );
  }
  return Object.freeze({
    lockDurationMs,
    lockRenewMs,
    stalledIntervalMs: integer(env, k.stalledIntervalMs, d.stalledIntervalMs, { min: 100 }),
    maxStalledCount: integer(env, k.maxStalledCount, d.maxStalledCount, { min: 0, max: 100 }),
  });
}

/** The settings as the watchdog's environment: what the controller gives every replica it starts. */
export const queueLockEnv = (lock: QueueLockConfig): Record<string, string> =>
  Object.fromEntries(
    (Object.keys(QUEUE_LOCK_ENV) as (keyof QueueLockConfig)[]).map((key) => [
      QUEUE_LOCK_ENV[key],
      String(lock[key]),
    ]),
  );

function optionalInteger(env: Env, key: string, range: Range): number | undefined {
  return present(env, key) === undefined ? undefined : integer(env, key, 0, range);
}

function functionSpecFrom(env: Env): FunctionSpec {
  const spec = withDefaults(functionSpecSchema, jsonOf(env, 'SPOOL_FUNCTION_SPEC'));
  const problems = validate(functionSpecSchema, spec, 'spec');
  if (problems.length > 0)
    throw new ConfigError(`SPOOL_FUNCTION_SPEC is not a valid Function spec: ${formatProblems(problems)}`);
  return spec as FunctionSpec;
}

/** The watchdog's settings besides its Function: what `watchdogEnv` writes and `parseWatchdogConfig` reads back. */
export type WatchdogSettings = Omit<WatchdogConfig, 'function' | 'spec'>;

/** The plain settings of `WATCHDOG_ENV`; the credential (`redisAuth`, REDIS_AUTH_ENV) travels apart. */
type PlainWatchdogSettings = Exclude<keyof WatchdogSettings, 'lock' | 'redisAuth'>;

/**
 * The variable each setting is read from. The order is the order `watchdogEnv` writes them in, which a
 * Deployment's env list shows (see desired.test.ts).
 */
export const WATCHDOG_ENV = {
  redisUrl: 'SPOOL_REDIS_URL',
  port: 'SPOOL_WATCHDOG_PORT',
  host: 'SPOOL_WATCHDOG_HOST',
  userHost: 'SPOOL_USER_HOST',
  userPort: 'SPOOL_USER_PORT',
  killGraceMs: 'SPOOL_KILL_GRACE_MS',
  startTimeoutMs: 'SPOOL_START_TIMEOUT_MS',
  restartBackoffMaxMs: 'SPOOL_RESTART_BACKOFF_MAX_MS',
  lifelineFd: 'SPOOL_LIFELINE_FD',
  exitAfterStartCrashes: 'SPOOL_EXIT_AFTER_START_CRASHES',
  terminationMessagePath: 'SPOOL_TERMINATION_MESSAGE_PATH',
} as const satisfies Record<PlainWatchdogSettings, string>;

/** The watchdog's default `startTimeoutMs`: the process runtime judges StartTimeout by the same bound. */
export const WATCHDOG_START_TIMEOUT_MS = 30_000;

export function parseWatchdogConfig(env: Env): WatchdogConfig {
  const name = present(env, 'SPOOL_FUNCTION_NAME');
  if (name === undefined) throw new ConfigError('SPOOL_FUNCTION_NAME is required');
  const spec = functionSpecFrom(env);
  const k = WATCHDOG_ENV;
  const config: WatchdogConfig = {
    function: { name, namespace: present(env, 'SPOOL_FUNCTION_NAMESPACE') ?? DEFAULT_NAMESPACE },
    spec,
    redisUrl: redisUrl(env),
    redisAuth: parseRedisAuth(env),
    host: present(env, k.host) ?? '0.0.0.0',
    port: integer(env, k.port, WATCHDOG_PORT, { min: 0, max: 65535 }),
    userHost: present(env, k.userHost) ?? '127.0.0.1',
    userPort: integer(env, k.userPort, spec.port, { min: 1, max: 65535 }),
    killGraceMs: integer(env, k.killGraceMs, 1000, { min: 0 }),
    startTimeoutMs: integer(env, k.startTimeoutMs, WATCHDOG_START_TIMEOUT_MS, { min: 1 }),
    restartBackoffMaxMs: integer(env, k.restartBackoffMaxMs, 10_000, { min: 1 }),
    exitAfterStartCrashes: integer(env, k.exitAfterStartCrashes, 0, { min: 0, max: 100 }),
    terminationMessagePath: present(env, k.terminationMessagePath),
    lifelineFd: optionalInteger(env, k.lifelineFd, { min: 3, max: 1023 }),
    lock: parseQueueLockConfig(env),
  };
  if (spec.mode === 'http' && config.port !== 0 && config.port === config.userPort) {
    throw new ConfigError(
      `${k.port} must differ from the user port ${config.userPort}, was: "${config.port}"`,
    );
  }
  return Object.freeze(config);
}

/**
 * The environment that makes a watchdog serve `fn` with `settings`: the inverse of `parseWatchdogConfig`, so
 * `parseWatchdogConfig(watchdogEnv(fn, s))` is `fn`'s identity and spec plus `s` over the defaults (see the
 * round trip in config.test.ts). A setting left out is left out of the env, and the watchdog's default applies.
 * The controller's Deployment, the process runtime, function containers and tests all start watchdogs with it.
 */
export function watchdogEnv(
  fn: ResolvedFunction,
  settings: Partial<WatchdogSettings> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    SPOOL_FUNCTION_NAME: fn.metadata.name,
    SPOOL_FUNCTION_NAMESPACE: fn.metadata.namespace,
    SPOOL_FUNCTION_SPEC: JSON.stringify(fn.spec),
  };
  for (const key of Object.keys(WATCHDOG_ENV) as (keyof typeof WATCHDOG_ENV)[]) {
    const value = settings[key];
    if (value !== undefined) env[WATCHDOG_ENV[key]] = String(value);
  }
  if (settings.redisAuth !== undefined) Object.assign(env, redisAuthEnv(settings.redisAuth));
  return settings.lock === undefined ? env : { ...env, ...queueLockEnv(settings.lock) };
}

export interface ControllerConfig {
  readonly redisUrl: string;
  /** The controller's Redis user (`spool-controller` when Spool manages Redis ACL). @defaultValue none */
  readonly redisAuth: RedisAuth;
  /**
   * `on`: one Redis ACL user per Function, provisioned by the controller, given only to its replicas. `off`
   * (SPOOL_REDIS_ACL=off, for an external Redis where ACL management is not allowed): replicas share the
   * configured credential, and every Function's status says so (condition `RedisIsolation`). @defaultValue on
   */
  readonly redisAcl: 'on' | 'off';
  /**
   * Set up Spool's service users at start: the controller connects as `default` with SPOOL_REDIS_ADMIN_PASSWORD
   * (the password Redis was started with), applies `spool-gateway` (SPOOL_REDIS_GATEWAY_PASSWORD) and its own
   * user (SPOOL_REDIS_PASSWORD), then turns the default user off. Again after each Redis restart that lost them.
   * @defaultValue none (the users exist already, or Redis is not managed)
   */
  readonly redisBootstrap: RedisBootstrap | undefined;
  readonly runtime: 'process' | 'kubernetes';
  /** Process runtime: the folder of Function YAML files it serves. */
  readonly functionsDir: string | undefined;
  /** Process runtime: the command that starts one watchdog (JSON array). */
  readonly watchdogCommand: readonly string[];
  /** Process runtime: replica logs go under here. */
  readonly stateDir: string;
  /** Autoscaler poll period; wake events act at once regardless. */
  readonly scaleIntervalMs: number;
  /**
   * Process runtime: most replicas of one function (`SPOOL_LOCAL_MAX_REPLICAS`), whatever its `scale.max`, since
   * every replica runs on this machine. Undefined: half the machine's cores, at least 1 (controller
   * `localReplicaCapacity`).
   * @defaultValue undefined
   */
  readonly localMaxReplicas: number | undefined;
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** Kubernetes runtime: the Lease that elects one acting replica, in the controller's own namespace. */
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly leaseDurationSeconds: number;
  /** Given to every replica the controller starts, in either runtime (read from the controller's own `SPOOL_LOCK_*`). */
  readonly watchdogLock: QueueLockConfig;
  /** Kubernetes runtime: how function pods reach Redis (a URL, or `secret-name/key` in each function namespace). */
  readonly functionRedis: { readonly url: string } | { readonly secretName: string; readonly key: string };
  /**
   * Kubernetes runtime: the namespaces whose Functions it reconciles (`SPOOL_NAMESPACES`, comma-separated), each
   * watched on its own so that namespaced Roles suffice; empty means every namespace (cluster-wide rights).
   * @defaultValue []
   */
  readonly namespaces: readonly string[];
}

export interface RedisBootstrap {
  readonly adminPassword: string;
  readonly gatewayPassword: string;
}

function redisBootstrap(env: Env, auth: RedisAuth): RedisBootstrap | undefined {
  const adminPassword = present(env, 'SPOOL_REDIS_ADMIN_PASSWORD');
  if (adminPassword === undefined) return undefined;
  const gatewayPassword = present(env, 'SPOOL_REDIS_GATEWAY_PASSWORD');
  if (gatewayPassword === undefined)
    throw new ConfigError('SPOOL_REDIS_GATEWAY_PASSWORD is required when SPOOL_REDIS_ADMIN_PASSWORD is set');
  if (auth.username !== 'spool-controller' || auth.password === undefined)
    throw new ConfigError(
      `SPOOL_REDIS_USERNAME must be spool-controller (with SPOOL_REDIS_PASSWORD) when SPOOL_REDIS_ADMIN_PASSWORD is set, was: "${auth.username ?? ''}"`,
    );
  return Object.freeze({ adminPassword, gatewayPassword });
}

function functionRedis(env: Env, fallbackUrl: string): ControllerConfig['functionRedis'] {
  const secret = present(env, 'SPOOL_FUNCTION_REDIS_SECRET');
  if (secret === undefined) return { url: present(env, 'SPOOL_FUNCTION_REDIS_URL') ?? fallbackUrl };
  const [secretName, key, ...rest] = secret.split('/');
  if (!secretName || !key || rest.length > 0) {
    throw new ConfigError(`SPOOL_FUNCTION_REDIS_SECRET must be secret-name/key, was: "${secret}"`);
  }
  return { secretName, key };
}

/** SPOOL_REDIS_ACL; refused on a cluster, whose ACL users live on each node while Spool provisions them on one. */
function redisAclMode(env: Env, url: string): 'on' | 'off' {
  const mode = oneOf(env, 'SPOOL_REDIS_ACL', 'on', ['on', 'off']);
  const target = parseRedisTarget(url);
  if (mode === 'on' && target.ok && target.value.kind === 'cluster')
    throw new ConfigError(
      'SPOOL_REDIS_ACL must be off with a Redis Cluster: per-function users would exist on one node only (docs/security.md)',
    );
  return mode;
}

export function parseControllerConfig(env: Env): ControllerConfig {
  const runtime = oneOf(env, 'SPOOL_RUNTIME', 'process', ['process', 'kubernetes']);
  const functionsDir = present(env, 'SPOOL_FUNCTIONS_DIR');
  let watchdogCommand: string[] = [];
  if (runtime === 'process') {
    if (functionsDir === undefined)
      throw new ConfigError('SPOOL_FUNCTIONS_DIR is required when SPOOL_RUNTIME is process');
    const cmd = jsonOf(env, 'SPOOL_WATCHDOG_COMMAND');
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((c): c is string => typeof c === 'string')) {
      throw new ConfigError(
        `SPOOL_WATCHDOG_COMMAND must be a JSON array of strings, was: "${present(env, 'SPOOL_WATCHDOG_COMMAND')}"`,
      );
    }
    watchdogCommand = cmd;
  }
  const url = redisUrl(env);
  const auth = parseRedisAuth(env);
  const redisAcl = redisAclMode(env, url);
  return Object.freeze({
    redisUrl: url,
    redisAuth: auth,
    redisAcl,
    redisBootstrap: redisBootstrap(env, auth),
    runtime,
    functionsDir,
    watchdogCommand: Object.freeze(watchdogCommand),
    stateDir: present(env, 'SPOOL_STATE_DIR') ?? '.spool',
    scaleIntervalMs: integer(env, 'SPOOL_SCALE_INTERVAL_MS', 1000, { min: 10 }),
    localMaxReplicas: optionalInteger(env, 'SPOOL_LOCAL_MAX_REPLICAS', { min: 1, max: 1000 }),
    metricsHost: present(env, 'SPOOL_METRICS_HOST') ?? '0.0.0.0',
    metricsPort: integer(env, 'SPOOL_METRICS_PORT', 8082, { min: 0, max: 65535 }),
    leaseNamespace: present(env, 'SPOOL_NAMESPACE') ?? 'spool-system',
    leaseName: present(env, 'SPOOL_LEASE_NAME') ?? 'spool-controller',
    leaseDurationSeconds: integer(env, 'SPOOL_LEASE_DURATION_SECONDS', 8, { min: 2, max: 300 }),
    watchdogLock: parseQueueLockConfig(env),
    functionRedis: functionRedis(env, url),
    namespaces: Object.freeze(list(env, 'SPOOL_NAMESPACES')),
  });
}

// Config is a pure parse of an env map: defaults first, every bad value a ConfigError naming key and value.
import { parseJson } from './decode.js';
import { defaultCallbackAllow, parseCallbackPolicy, type CallbackPolicy } from './callback-policy.js';
import { ConfigError } from './errors.js';
import { functionSpecSchema, type FunctionSpec } from './function-schema.js';
import { formatProblems } from './function.js';
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
  if (!/^rediss?:\/\/[^\s]+$/.test(raw))
    throw new ConfigError(`SPOOL_REDIS_URL must be a redis:// or rediss:// URL, was: "${raw}"`);
  return raw;
}

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
  /** When set, `/system/*` requires `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  /** Where functions are learned: the local folder of Function YAML files, or a watch on the API server. */
  readonly registry: 'local' | 'kubernetes';
  readonly functionsDir: string | undefined;
  /** Kubernetes mode: namespaces served; empty means all. */
  readonly namespaces: readonly string[];
  /** Unqualified `/function/NAME` resolves to this namespace. */
  readonly defaultNamespace: string;
  /** Hard cap on any request body, whatever a function allows. */
  readonly maxBodyBytes: number;
  /** How long a sync call may wait in the queue for a replica before it is withdrawn with 504. */
  readonly queueWaitMs: number;
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
    adminToken: undefined,
    registry: 'local',
    functionsDir: undefined,
    namespaces: [],
    defaultNamespace: DEFAULT_NAMESPACE,
    maxBodyBytes: 64 * MiB,
    queueWaitMs: 60_000,
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
    adminToken: present(env, 'SPOOL_ADMIN_TOKEN'),
    registry,
    functionsDir,
    namespaces: Object.freeze(list(env, 'SPOOL_NAMESPACES')),
    defaultNamespace: present(env, 'SPOOL_DEFAULT_NAMESPACE') ?? d.defaultNamespace,
    maxBodyBytes: integer(env, 'SPOOL_MAX_BODY_BYTES', d.maxBodyBytes, { min: 1 }),
    queueWaitMs: integer(env, 'SPOOL_QUEUE_WAIT_MS', d.queueWaitMs, { min: 1 }),
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
  /** BullMQ job lock; a replica that dies leaves its jobs to be retried after about this long. */
  readonly lockDurationMs: number;
}

function functionSpecFrom(env: Env): FunctionSpec {
  const spec = withDefaults(functionSpecSchema, jsonOf(env, 'SPOOL_FUNCTION_SPEC'));
  const problems = validate(functionSpecSchema, spec, 'spec');
  if (problems.length > 0)
    throw new ConfigError(`SPOOL_FUNCTION_SPEC is not a valid Function spec: ${formatProblems(problems)}`);
  return spec as FunctionSpec;
}

export function parseWatchdogConfig(env: Env): WatchdogConfig {
  const name = present(env, 'SPOOL_FUNCTION_NAME');
  if (name === undefined) throw new ConfigError('SPOOL_FUNCTION_NAME is required');
  const spec = functionSpecFrom(env);
  const config: WatchdogConfig = {
    function: { name, namespace: present(env, 'SPOOL_FUNCTION_NAMESPACE') ?? DEFAULT_NAMESPACE },
    spec,
    redisUrl: redisUrl(env),
    host: present(env, 'SPOOL_WATCHDOG_HOST') ?? '0.0.0.0',
    port: integer(env, 'SPOOL_WATCHDOG_PORT', WATCHDOG_PORT, { min: 0, max: 65535 }),
    userHost: present(env, 'SPOOL_USER_HOST') ?? '127.0.0.1',
    userPort: integer(env, 'SPOOL_USER_PORT', spec.port, { min: 1, max: 65535 }),
    killGraceMs: integer(env, 'SPOOL_KILL_GRACE_MS', 1000, { min: 0 }),
    startTimeoutMs: integer(env, 'SPOOL_START_TIMEOUT_MS', 30_000, { min: 1 }),
    restartBackoffMaxMs: integer(env, 'SPOOL_RESTART_BACKOFF_MAX_MS', 10_000, { min: 1 }),
    lockDurationMs: integer(env, 'SPOOL_LOCK_DURATION_MS', 30_000, { min: 1000 }),
  };
  if (spec.mode === 'http' && config.port !== 0 && config.port === config.userPort) {
    throw new ConfigError(
      `SPOOL_WATCHDOG_PORT must differ from the user port ${config.userPort}, was: "${config.port}"`,
    );
  }
  return Object.freeze(config);
}

export interface ControllerConfig {
  readonly redisUrl: string;
  readonly runtime: 'process' | 'kubernetes';
  /** Process runtime: the folder of Function YAML files it serves. */
  readonly functionsDir: string | undefined;
  /** Process runtime: the command that starts one watchdog (JSON array). */
  readonly watchdogCommand: readonly string[];
  /** Process runtime: replica logs go under here. */
  readonly stateDir: string;
  /** Autoscaler poll period; wake events act at once regardless. */
  readonly scaleIntervalMs: number;
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** Kubernetes runtime: the Lease that elects one acting replica, in the controller's own namespace. */
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly leaseDurationSeconds: number;
  /** Kubernetes runtime: how function pods reach Redis (a URL, or `secret-name/key` in each function namespace). */
  readonly functionRedis: { readonly url: string } | { readonly secretName: string; readonly key: string };
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
  return Object.freeze({
    redisUrl: url,
    runtime,
    functionsDir,
    watchdogCommand: Object.freeze(watchdogCommand),
    stateDir: present(env, 'SPOOL_STATE_DIR') ?? '.spool',
    scaleIntervalMs: integer(env, 'SPOOL_SCALE_INTERVAL_MS', 1000, { min: 10 }),
    metricsHost: present(env, 'SPOOL_METRICS_HOST') ?? '0.0.0.0',
    metricsPort: integer(env, 'SPOOL_METRICS_PORT', 8082, { min: 0, max: 65535 }),
    leaseNamespace: present(env, 'SPOOL_NAMESPACE') ?? 'spool-system',
    leaseName: present(env, 'SPOOL_LEASE_NAME') ?? 'spool-controller',
    leaseDurationSeconds: integer(env, 'SPOOL_LEASE_DURATION_SECONDS', 8, { min: 2, max: 300 }),
    functionRedis: functionRedis(env, url),
  });
}

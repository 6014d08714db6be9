// The Redis ACL users of Spool, as pure `ACL SETUSER` argument lists: one user per Function that reaches only that
// function's keys and reply scope, and one least-privilege user each for the gateway and the controller
// (issue 11, item 1; docs/security.md, "Redis isolation"). The controller sends them; nothing here talks to Redis.
import { decoded, refused, type Decoded } from './decode.js';
import type { FunctionRef } from './names.js';
import {
  CALLBACK_OUTBOX_PATTERN,
  FUNCTION_STATUS_KEY,
  KEY_PREFIX,
  LOCAL_FUNCTIONS_KEY,
  REPLICA_STATUS_KEY,
  callbackOutboxChannel,
  escapeGlob,
  functionReplyScope,
  queueName,
} from './queue-names.js';

const FUNCTION_USER_PREFIX = 'spool-fn-';

/** `spool-fn-<namespace>.<name>`: namespaces and names are DNS labels, so the name has no space and is unique. */
export const functionUserName = (ref: FunctionRef): string =>
  `${FUNCTION_USER_PREFIX}${ref.namespace}.${ref.name}`;

/** The function a user name from `ACL USERS` belongs to; refused for service users and foreign users. */
export function parseFunctionUserName(user: string): Decoded<FunctionRef> {
  if (!user.startsWith(FUNCTION_USER_PREFIX)) return refused(`not a function user: "${user}"`);
  const parts = user.slice(FUNCTION_USER_PREFIX.length).split('.');
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (parts.length !== 2 || !parts.every((p) => label.test(p)))
    return refused(`function user name is not spool-fn-<namespace>.<name>: "${user}"`);
  const [namespace, name] = parts as [string, string];
  return decoded({ namespace, name });
}

export const GATEWAY_USER = 'spool-gateway';
export const CONTROLLER_USER = 'spool-controller';

/**
 * Every command BullMQ 6.7's Lua scripts call (`rcall(...)` in `bullmq/dist/esm/commands/*.lua`: 60 commands, `time` among them),
 * plus what its Worker sends itself. Each one names its keys, so Redis checks them against the user's key
 * patterns, inside EVAL/EVALSHA too (denials are logged with context `lua`). A real Worker run as a user with only
 * these commands (success, retry with backoff, UnrecoverableError, a job longer than its lock, delayed and
 * prioritized jobs, stalled checks) left `ACL LOG` empty; the 37 commands it actually ran (INFO commandstats) are a subset. The wider
 * set keeps a rarely taken script branch from failing a call at run time, and grants nothing outside the keys.
 */
export const BULLMQ_DATA_COMMANDS: readonly string[] = [
  'del', 'exists', 'get', 'hdel', 'hexists', 'hget', 'hgetall', 'hincrby', 'hlen', 'hmget', 'hmset', 'hset',
  'incr', 'incrby', 'lindex', 'llen', 'lpop', 'lpos', 'lpush', 'lrange', 'lrem', 'lset', 'ltrim', 'persist',
  'pexpire', 'pexpireat', 'pttl', 'rename', 'rpop', 'rpoplpush', 'rpush', 'sadd', 'scard', 'sismember', 'smembers',
  'srem', 'set', 'type', 'unlink', 'xadd', 'xdel', 'xlen', 'xrange', 'xread', 'xtrim', 'zadd', 'zcard', 'zcount',
  'zlexcount', 'zpopmin', 'zrange', 'zrangebylex', 'zrangebyscore', 'zrem', 'zremrangebyrank', 'zremrangebyscore',
  'zrevrange', 'zrevrangebyscore', 'zscore',
]; // prettier-ignore

/**
 * Commands without keys that a BullMQ Worker sends: `info` (its Redis version check at connect: server-wide
 * counters, no key names or values), `client|setname` (names its blocking connection), `time` (scripts), scripts
 * (`evalsha`, then `eval` on NOSCRIPT), `bzpopmin` (its blocking fetch on the marker key; keys checked).
 */
export const BULLMQ_CONNECTION_COMMANDS: readonly string[] = [
  'ping', 'quit', 'info', 'client|setname', 'time', 'evalsha', 'eval', 'bzpopmin',
]; // prettier-ignore

/** Pub/sub commands; channels are checked against the user's `&` patterns (PSUBSCRIBE patterns literally). */
const PUBLISH = ['publish'];
const SUBSCRIBE = ['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe'];

/**
 * Never granted to a function: keyspace-wide reads, server administration, and commands that reach other users.
 * A test checks that no rule list allows one of these for a function.
 */
export const FORBIDDEN_FUNCTION_COMMANDS: readonly string[] = [
  'keys', 'scan', 'randomkey', 'flushall', 'flushdb', 'config', 'acl', 'debug', 'monitor', 'client|kill',
  'client|list', 'shutdown', 'script|flush', 'script|kill', 'function', 'fcall', 'migrate', 'swapdb', 'module',
  'replicaof', 'slaveof', 'sync', 'psync', 'save', 'bgsave', 'bgrewriteaof', 'select', 'move', 'copy', 'object',
  'dbsize', 'slowlog', 'latency', 'memory', 'cluster', 'failover', 'lastsave', 'pubsub', 'wait', 'sort',
]; // prettier-ignore

const allow = (commands: readonly string[]): string[] => commands.map((c) => `+${c}`);

/** `-@all` first, then exactly these commands, so a later Redis that adds commands to a category grants none. */
const commandRules = (...sets: readonly (readonly string[])[]): string[] => [
  '-@all',
  ...allow([...new Set(sets.flat())].sort()),
];

/**
 * `reset` first makes the rule list the whole truth: re-applying it is idempotent and leaves nothing from an
 * earlier version (old passwords, patterns, selectors). Redis 7 applies one SETUSER atomically: a bad rule
 * changes nothing. The password is the caller's; `api/` never generates one.
 */
const userRules = (password: string, rules: readonly string[]): string[] => {
  if (password.length < 16) throw new Error('a Redis ACL password must have at least 16 characters');
  return ['reset', 'on', `>${password}`, ...rules];
};

/**
 * The `ACL SETUSER <functionUserName(ref)> ...` arguments for one function's watchdog: read and write on
 * `spool:{ns.name}:*` (its BullMQ queue, its job hashes, the request and result bodies kept apart beside them,
 * `requestBodyKey`/`resultBodyKey`, its callback outbox) and nothing else; publish on its own
 * reply scope and outbox notice channel; subscribe on none.
 */
export function functionUserRules(ref: FunctionRef, password: string): string[] {
  return userRules(password, [
    `~${KEY_PREFIX}:${escapeGlob(queueName(ref))}:*`,
    `&${functionReplyScope(ref)}`,
    `&${escapeGlob(callbackOutboxChannel(ref))}`,
    ...commandRules(BULLMQ_DATA_COMMANDS, BULLMQ_CONNECTION_COMMANDS, PUBLISH),
  ]);
}

/**
 * The gateway: every function queue and the callback queue (it enqueues calls, reads and withdraws jobs, and runs
 * the callback worker), read on the replica status, local registry and local status hashes.
 *
 * Channels are `allchannels` because Redis 7.0 checks a PSUBSCRIBE pattern literally against the user's `&`
 * patterns (measured: `&spool:reply:*` refuses `PSUBSCRIBE spool:reply:*:gw-1`), and the gateway's one pattern
 * `spool:reply:*:<gatewayId>` holds an id chosen at start-up. This grants no data the gateway cannot already read:
 * it reads every job, and every reply is a copy of a job's result.
 */
export function gatewayUserRules(password: string): string[] {
  return userRules(password, [
    `~${KEY_PREFIX}:{*`,
    `%R~${REPLICA_STATUS_KEY}`,
    `%R~${LOCAL_FUNCTIONS_KEY}`,
    `%R~${FUNCTION_STATUS_KEY}`,
    'allchannels',
    ...commandRules(BULLMQ_DATA_COMMANDS, BULLMQ_CONNECTION_COMMANDS, PUBLISH, SUBSCRIBE),
  ]);
}

/**
 * The controller: queue counts and `obliterate` of a deleted function's queue (`spool:{*`), the replica status,
 * local registry and local status hashes, the event channels and the outbox notices, MULTI/EXEC for its status writes, and the
 * ACL subcommands that provision function users. `acl|setuser` can create any user, so this user is as powerful
 * as an administrator: its password belongs to the controller alone.
 */
export function controllerUserRules(password: string): string[] {
  return userRules(password, [
    `~${KEY_PREFIX}:{*`,
    `~${REPLICA_STATUS_KEY}`,
    `~${LOCAL_FUNCTIONS_KEY}`,
    `~${FUNCTION_STATUS_KEY}`,
    `&${KEY_PREFIX}:events:*`,
    `&${CALLBACK_OUTBOX_PATTERN}`,
    ...commandRules(
      BULLMQ_DATA_COMMANDS,
      BULLMQ_CONNECTION_COMMANDS,
      PUBLISH,
      SUBSCRIBE,
      ['multi', 'exec', 'discard'],
      ['acl|setuser', 'acl|deluser', 'acl|getuser', 'acl|users', 'acl|whoami'],
    ),
  ]);
}

/** `ACL SETUSER default ...` once the service users exist: the password-less default user can do nothing. */
export const DEFAULT_USER_OFF_RULES: readonly string[] = [
  'reset', // off, no passwords, no keys, no channels, -@all
];

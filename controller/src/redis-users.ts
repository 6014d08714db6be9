// Provisions Spool's Redis ACL users (issue 11, item 1): one per Function, and the gateway's and controller's own.
// The rules are built in `@spool/api` (redis-acl.ts); this module only sends them. Every call is idempotent, so
// the level-triggered reconcile loop may call it on every pass.
import { randomBytes } from 'node:crypto';
import type { Redis } from '@spool/node';
import {
  CONTROLLER_USER,
  DEFAULT_USER_OFF_RULES,
  GATEWAY_USER,
  controllerUserRules,
  functionKey,
  functionUserName,
  functionUserRules,
  gatewayUserRules,
  parseFunctionUserName,
  type FunctionRef,
} from '@spool/api';

/** 32 random bytes, base64url: 256 bits, no characters that need quoting in a URL or an env file. */
export const newRedisPassword = (): string => randomBytes(32).toString('base64url');

/**
 * ioredis attaches the failed command, arguments included, to its errors: an `ACL SETUSER` error would carry the
 * password into a log line. Keep only the message.
 */
async function sendAcl(redis: Redis, context: string, args: readonly string[]): Promise<unknown> {
  try {
    return await redis.call('ACL', ...args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${context}: ${message}`);
  }
}

/**
 * Creates or replaces the user of `ref` with exactly its rules. Re-applying with the same password changes nothing
 * for its connected replicas; a new password refuses new connections with the old one, and existing connections
 * keep working until `rotateFunctionUser` (or the replica's exit) ends them.
 */
export async function applyFunctionUser(redis: Redis, ref: FunctionRef, password: string): Promise<void> {
  await sendAcl(redis, `applying the Redis user of ${functionKey(ref)}`, [
    'SETUSER',
    functionUserName(ref),
    ...functionUserRules(ref, password),
  ]);
}

/**
 * A new password for a re-created Function: the old user is deleted first, which disconnects every client
 * authenticated as it (the old replicas), then the user is created with the new password.
 */
export async function rotateFunctionUser(redis: Redis, ref: FunctionRef, password: string): Promise<void> {
  await removeFunctionUser(redis, ref);
  await applyFunctionUser(redis, ref, password);
}

/** Deletes the user of `ref` and disconnects its clients; a user that is already gone is not an error. */
export async function removeFunctionUser(redis: Redis, ref: FunctionRef): Promise<void> {
  await sendAcl(redis, `removing the Redis user of ${functionKey(ref)}`, ['DELUSER', functionUserName(ref)]);
}

/** Every function that has a Redis user: what a resync compares with the Functions that exist. */
export async function readFunctionUsers(redis: Redis): Promise<FunctionRef[]> {
  const users = await sendAcl(redis, 'listing Redis users', ['USERS']);
  if (!Array.isArray(users)) throw new Error('listing Redis users: ACL USERS did not answer a list');
  return users.flatMap((user) => {
    const ref = typeof user === 'string' ? parseFunctionUserName(user) : undefined;
    return ref?.ok ? [ref.value] : [];
  });
}

/**
 * The users a resync may delete: those this install provisioned (`provisioned`, from its own credential store),
 * still in Redis, whose Function is gone. A user in `users` that this install never provisioned (another install
 * on a shared Redis, one that uses the same namespace and name as well) is never chosen.
 */
export function staleFunctionUsers(o: {
  readonly users: readonly FunctionRef[];
  readonly provisioned: readonly FunctionRef[];
  readonly existing: readonly FunctionRef[];
}): FunctionRef[] {
  const keep = new Set(o.existing.map(functionKey));
  const ours = new Set(o.provisioned.map(functionKey));
  return o.users.filter((ref) => ours.has(functionKey(ref)) && !keep.has(functionKey(ref)));
}

/**
 * Deletes the users of functions this install provisioned that are not in `existing` (deleted while no controller
 * ran); returns those removed.
 */
export async function removeStaleFunctionUsers(
  redis: Redis,
  o: { readonly provisioned: readonly FunctionRef[]; readonly existing: readonly FunctionRef[] },
): Promise<FunctionRef[]> {
  const stale = staleFunctionUsers({ users: await readFunctionUsers(redis), ...o });
  for (const ref of stale) await removeFunctionUser(redis, ref);
  return stale;
}

export interface ServicePasswords {
  readonly gateway: string;
  readonly controller: string;
}

/** Creates or replaces the gateway's and the controller's users. */
export async function applyServiceUsers(redis: Redis, passwords: ServicePasswords): Promise<void> {
  await sendAcl(redis, 'applying the Redis user of the gateway', [
    'SETUSER',
    GATEWAY_USER,
    ...gatewayUserRules(passwords.gateway),
  ]);
  await sendAcl(redis, 'applying the Redis user of the controller', [
    'SETUSER',
    CONTROLLER_USER,
    ...controllerUserRules(passwords.controller),
  ]);
}

/**
 * Turns the password-less default user off, and only once both service users exist and this connection is not
 * the default user: otherwise the next reconnect of a component (or of this controller) would be locked out.
 * Connections already authenticated as `default` lose every right with it (its rules are reset).
 */
export async function turnOffDefaultUser(redis: Redis): Promise<void> {
  const users = await sendAcl(redis, 'listing Redis users', ['USERS']);
  const missing = [GATEWAY_USER, CONTROLLER_USER].filter((u) => !(Array.isArray(users) && users.includes(u)));
  if (missing.length > 0)
    throw new Error(`not turning the default Redis user off: ${missing.join(', ')} missing`);
  const whoami = await sendAcl(redis, 'asking which Redis user this is', ['WHOAMI']);
  if (whoami === 'default')
    throw new Error('not turning the default Redis user off: this connection is authenticated as it');
  await sendAcl(redis, 'turning the default Redis user off', [
    'SETUSER',
    'default',
    ...DEFAULT_USER_OFF_RULES,
  ]);
}

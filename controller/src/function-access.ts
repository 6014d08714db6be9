// What the reconciler asks for each Function's Redis access (issue 11, item 1): its own ACL user, provisioned on
// every reconcile, rotated when the Function is re-created, deleted with it; or, in shared-credential mode
// (SPOOL_REDIS_ACL=off), nothing, and every Function's status says its calls are not isolated.
import type { Redis } from '@spool/node';
import {
  functionKey,
  functionRef,
  functionUserName,
  redisSecretName,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { passwordDigest, type CredentialStore } from './redis-credentials.js';
import {
  applyFunctionUser,
  removeFunctionUser,
  removeStaleFunctionUsers,
  rotateFunctionUser,
} from './redis-users.js';
import type { FunctionRedisCredential } from './runtime/runtime.js';

export interface FunctionAccess {
  /** Whether replicas get a Redis user of their own: what the `RedisIsolated` condition says. */
  readonly isolated: boolean;
  /** Makes sure `fn`'s Redis user exists with its stored password; undefined in shared-credential mode. */
  grant(fn: ResolvedFunction): Promise<FunctionRedisCredential | undefined>;
  /** Deletes a deleted Function's user (disconnecting its replicas) and its stored password. */
  revoke(ref: FunctionRef): Promise<void>;
  /**
   * At start: deletes the users of this install's Functions deleted while no controller ran (those its credential
   * store still lists), and their stored passwords; returns those removed.
   */
  revokeStale(existing: readonly FunctionRef[]): Promise<FunctionRef[]>;
}

export const sharedCredentialAccess: FunctionAccess = {
  isolated: false,
  grant: () => Promise.resolve(undefined),
  revoke: () => Promise.resolve(),
  revokeStale: () => Promise.resolve([]),
};

/**
 * How long an applied user is trusted to still be there before it is applied again: resyncs reconcile every
 * function every 10 s, and an `ACL SETUSER` each time was 1,000 a second at 10,000 Functions. A reconnect (a Redis
 * restart drops every connection) applies every user again at once.
 */
export const REAPPLY_USER_AFTER_MS = 5 * 60_000;

/**
 * One ACL user per Function, made sure of on reconcile (idempotent: the same password leaves connected replicas
 * connected), so a Redis that restarted without its users gets them back on the controller's next pass; a
 * password made just now (a re-created Function) rotates the user, which disconnects every replica of the old
 * Function. A user applied with the same password within REAPPLY_USER_AFTER_MS, on the same connection, is not
 * sent again.
 */
export function redisUserAccess(
  redis: Redis,
  store: CredentialStore,
  now: () => number = Date.now,
): FunctionAccess {
  /** Per function key: the digest of the password last applied, and when. */
  const applied = new Map<string, { digest: string; atMs: number }>();
  redis.on('ready', () => applied.clear());
  const isCurrent = (key: string, digest: string): boolean => {
    const last = applied.get(key);
    return last !== undefined && last.digest === digest && now() - last.atMs < REAPPLY_USER_AFTER_MS;
  };
  return {
    isolated: true,
    async grant(fn) {
      const ref = functionRef(fn);
      const key = functionKey(ref);
      const { password, created } = await store.read(fn);
      const digest = passwordDigest(password);
      const credential = {
        username: functionUserName(ref),
        password,
        secretName: redisSecretName(ref),
        digest,
      };
      if (!created && isCurrent(key, digest)) return credential;
      if (created) await rotateFunctionUser(redis, ref, password);
      else await applyFunctionUser(redis, ref, password);
      applied.set(key, { digest, atMs: now() });
      return credential;
    },
    async revoke(ref) {
      applied.delete(functionKey(ref));
      await removeFunctionUser(redis, ref);
      await store.remove(ref);
    },
    async revokeStale(existing) {
      const provisioned = await store.list();
      const stale = await removeStaleFunctionUsers(redis, { provisioned, existing });
      const keep = new Set(existing.map(functionKey));
      // A stored password whose user is already gone (the controller stopped between the two deletes).
      for (const ref of provisioned) if (!keep.has(functionKey(ref))) await store.remove(ref);
      return stale;
    },
  };
}

// Sets up Spool's service users on a Redis that was started with only a password for its default user (the local
// stack's, the chart's bundled one): `spool-gateway` and `spool-controller` are applied as `default`, then the
// default user is turned off from the controller's own connection (docs/security.md, "Running Redis for it").
// Run at start and again when Redis refuses the controller's user (it restarted without its ACL users).
import { Redis } from 'ioredis';
import { CONTROLLER_USER, type RedisBootstrap } from '@spool/api';
import { applyServiceUsers, turnOffDefaultUser } from './redis-users.js';

export interface BootstrapTarget {
  readonly url: string;
  readonly controllerPassword: string;
  readonly bootstrap: RedisBootstrap;
}

export type BootstrapOutcome = 'applied' | 'already-done';

const quiet = (redis: Redis): Redis => redis.on('error', () => undefined);

const connect = async (url: string, username: string, password: string): Promise<Redis | undefined> => {
  const redis = quiet(
    new Redis(url, {
      username,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    }),
  );
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const message = error instanceof Error ? error.message : String(error);
    if (/WRONGPASS|NOAUTH|invalid username-password|user is disabled/i.test(message)) return undefined;
    throw new Error(`connecting to Redis as ${username}: ${message}`);
  }
};

/**
 * `already-done` when the default user no longer accepts the bootstrap password and the controller's user is
 * there; `applied` after applying both service users and turning the default user off. Throws when neither works
 * (a wrong password on both): the caller retries.
 */
export async function bootstrapRedisUsers(target: BootstrapTarget): Promise<BootstrapOutcome> {
  const admin = await connect(target.url, 'default', target.bootstrap.adminPassword);
  if (admin === undefined) {
    const own = await connect(target.url, CONTROLLER_USER, target.controllerPassword);
    if (own === undefined)
      throw new Error('Redis refuses both the bootstrap password and the controller user');
    own.disconnect();
    return 'already-done';
  }
  try {
    await applyServiceUsers(admin, {
      gateway: target.bootstrap.gatewayPassword,
      controller: target.controllerPassword,
    });
  } finally {
    admin.disconnect();
  }
  const own = await connect(target.url, CONTROLLER_USER, target.controllerPassword);
  if (own === undefined) throw new Error('Redis refuses the controller user just applied');
  try {
    await turnOffDefaultUser(own);
  } finally {
    own.disconnect();
  }
  return 'applied';
}

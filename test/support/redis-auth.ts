// Runs a test Redis the way the product does (docs/security.md, "Running Redis for it"): started with only a
// bootstrap password for its default user, then the controller's bootstrap applies the service users and turns the
// default user off. Tests observe through an operator user of their own (all keys, all commands), standing in for
// whoever administers Redis; the components under test use their product users.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { functionUserName, redisSecretName, type FunctionRef } from '@spool/api';
import {
  applyFunctionUser,
  bootstrapRedisUsers,
  newRedisPassword,
  passwordDigest,
  type FunctionRedisCredential,
} from '@spool/controller';
import { startRedisServer } from './redis-server.ts';

/** The test run's operator: not a product user; it inspects and cleans up what the components wrote. */
export const TEST_OPERATOR_USER = 'spool-test-operator';

export interface RedisPasswords {
  /** What redis-server was started with (`--requirepass`): the default user's until bootstrap turns it off. */
  readonly bootstrap: string;
  readonly gateway: string;
  readonly controller: string;
  readonly operator: string;
}

export const newRedisPasswords = (): RedisPasswords => ({
  bootstrap: newRedisPassword(),
  gateway: newRedisPassword(),
  controller: newRedisPassword(),
  operator: newRedisPassword(),
});

/** `redis://user:password@host:port[/db]` from a plain address. */
export function urlWithUser(address: string, username: string, password: string): string {
  const url = new URL(address);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * Adds the operator as `default` (the bootstrap password), then runs the controller's own bootstrap, which leaves
 * the default user off. Returns the outcome the product's bootstrap reported.
 */
export async function bootstrapTestRedis(address: string, passwords: RedisPasswords): Promise<string> {
  const admin = new Redis(address, { password: passwords.bootstrap, lazyConnect: true });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', TEST_OPERATOR_USER, 'reset', 'on', `>${passwords.operator}`);
    await admin.call('ACL', 'SETUSER', TEST_OPERATOR_USER, '~*', '&*', '+@all');
  } finally {
    admin.disconnect();
  }
  return bootstrapRedisUsers({
    url: address,
    controllerPassword: passwords.controller,
    bootstrap: { adminPassword: passwords.bootstrap, gatewayPassword: passwords.gateway },
  });
}

export interface FunctionCredential {
  readonly username: string;
  readonly password: string;
}

/** Provisions `ref`'s own Redis user (the controller's rules) with a fresh password, as the operator. */
export async function grantFunctionUser(operatorUrl: string, ref: FunctionRef): Promise<FunctionCredential> {
  const redis = new Redis(operatorUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const password = randomBytes(32).toString('base64url');
    await applyFunctionUser(redis, ref, password);
    return { username: functionUserName(ref), password };
  } finally {
    redis.disconnect();
  }
}

/** One Redis as the tests see it: the address components get, the operator's URL, the service passwords. */
export interface TestRedisTarget {
  readonly address: string;
  readonly operatorUrl: string;
  readonly gatewayPassword: string;
  readonly controllerPassword: string;
  /**
   * Shared-credential mode (SPOOL_REDIS_ACL=off): components connect with `address` as it is and no user is
   * provisioned, as on a Redis Cluster, whose ACL users would have to exist on every node.
   */
  readonly shared?: boolean;
}

/** A Redis with no users, reached as it is (a fault test's killable Redis, a Redis Cluster): shared-credential mode. */
export const sharedRedisTarget = (address: string): TestRedisTarget => ({
  address,
  operatorUrl: address,
  gatewayPassword: '',
  controllerPassword: '',
  shared: true,
});

/** The address without the operator's credentials: what a component gets as SPOOL_REDIS_URL. */
export function withoutUser(url: string): string {
  const plain = new URL(url);
  plain.username = '';
  plain.password = '';
  return plain.toString();
}

export interface ProductRedis extends TestRedisTarget {
  stop(): Promise<void>;
}

/** A redis-server of a suite's own (its callback queue apart from the run's), bootstrapped like the run's. */
export async function startProductRedis(): Promise<ProductRedis> {
  const passwords = newRedisPasswords();
  const server = await startRedisServer({ requirePass: passwords.bootstrap });
  await bootstrapTestRedis(server.url, passwords);
  return {
    address: server.url,
    operatorUrl: urlWithUser(server.url, TEST_OPERATOR_USER, passwords.operator),
    gatewayPassword: passwords.gateway,
    controllerPassword: passwords.controller,
    stop: () => server.stop(),
  };
}

/** `grantFunctionUser` in the shape a runtime's `apply` takes, as the controller's access would give it. */
export async function runtimeCredential(
  operatorUrl: string,
  ref: FunctionRef,
): Promise<FunctionRedisCredential> {
  const own = await grantFunctionUser(operatorUrl, ref);
  return { ...own, secretName: redisSecretName(ref), digest: passwordDigest(own.password) };
}

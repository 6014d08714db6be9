// Where Spool's Redis is, from SPOOL_REDIS_URL: one server (`redis://`, `rediss://` for TLS), or a Redis Cluster
// given by some of its nodes (`redis-cluster://host:port,host:port/`, `rediss-cluster://` for TLS), from which the
// client learns the rest. Pure: the services connect with `connectRedis` (@spool/node).
import { decoded, refused, type Decoded } from './decode.js';

export interface ClusterSeed {
  readonly host: string;
  readonly port: number;
}

export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly seeds: readonly ClusterSeed[];
      readonly tls: boolean;
      readonly username?: string;
      readonly password?: string;
    };

const CLUSTER_URL = /^(rediss?)-cluster:\/\/(?:([^:@/\s]*)(?::([^@/\s]*))?@)?([^@/\s]+?)\/?$/;
const SEED = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseRedisTarget(url: string): Decoded<RedisTarget> {
  if (/^rediss?:\/\/[^\s]+$/.test(url)) return decoded({ kind: 'single', url });
  const cluster = CLUSTER_URL.exec(url);
  if (cluster === null)
    return refused(
      'must be a redis:// or rediss:// URL, or redis-cluster://host:port,host:port for a cluster',
    );
  const [, scheme, user, pass, hosts = ''] = cluster;
  const seeds = hosts.split(',').map(parseSeed);
  const bad = seeds.find((seed) => !seed.ok);
  if (bad !== undefined && !bad.ok) return refused(bad.error);
  return decoded({
    kind: 'cluster',
    seeds: seeds.flatMap((seed) => (seed.ok ? [seed.value] : [])),
    tls: scheme === 'rediss',
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
  });
}

function parseSeed(seed: string): Decoded<ClusterSeed> {
  const match = SEED.exec(seed);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535)
    return refused(`cluster node "${seed}" is not host:port with a port from 1 to 65535`);
  return decoded({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
}

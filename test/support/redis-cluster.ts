// A real Redis Cluster on loopback for tests and benchmarks: `masters` redis-server processes in cluster mode,
// each with `replicas` replicas, joined by `redis-cli --cluster create`, ready once every node says it is ok.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { eventually } from './eventually.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

export interface RedisClusterNode extends RedisServer {
  /** Sends SIGKILL: the node dies as a crashed machine would, without saving or telling its peers. */
  kill(): void;
}

export interface TestRedisCluster {
  /** `redis-cluster://` with every node as a seed, as a user would write SPOOL_REDIS_URL. */
  readonly url: string;
  readonly nodes: readonly RedisClusterNode[];
  /** The node serving `key`'s slot as master now. */
  masterOf(key: string): Promise<RedisClusterNode>;
  /** Resolves once every live node reports cluster_state:ok and `key`'s slot has a master other than `not`. */
  waitForFailover(key: string, not: RedisClusterNode): Promise<RedisClusterNode>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
/** Short enough that a failover takes a few seconds, long enough for a loaded machine's heartbeats. */
const NODE_TIMEOUT_MS = 3_000;

export async function startRedisCluster(masters = 3, replicas = 1): Promise<TestRedisCluster> {
  const servers = await Promise.all(
    Array.from({ length: masters * (1 + replicas) }, () =>
      startRedisServer({
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          '--appendonly',
          'yes',
        ],
      }),
    ),
  );
  const dead = new Set<number>();
  const nodes: RedisClusterNode[] = servers.map((server) => ({
    ...server,
    kill: () => {
      dead.add(server.port);
      process.kill(server.pid, 'SIGKILL');
    },
  }));
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  const ask = async (node: RedisClusterNode, ...command: [string, ...string[]]): Promise<unknown> => {
    const client = new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      return await client.call(...command);
    } finally {
      client.disconnect();
    }
  };
  const live = (): RedisClusterNode[] => nodes.filter((n) => !dead.has(n.port));
  const allOk = async (): Promise<void> => {
    for (const node of live()) {
      const info = String(await ask(node, 'CLUSTER', 'INFO'));
      if (!info.includes('cluster_state:ok')) throw new Error(`node ${node.port}: ${info.split('\r\n')[0]}`);
    }
  };
  const masterOf = async (key: string): Promise<RedisClusterNode> => {
    const slot = Number(await ask(live()[0]!, 'CLUSTER', 'KEYSLOT', key));
    const ranges = (await ask(live()[0]!, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
    const node = nodes.find((n) => n.port === owner?.[2][1]);
    if (node === undefined) throw new Error(`no master for slot ${slot}`);
    return node;
  };
  await eventually(allOk, { timeoutMs: 30_000, intervalMs: 200 });
  return {
    url: `redis-cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    masterOf,
    waitForFailover: (key, not) =>
      eventually(
        async () => {
          await allOk();
          const master = await masterOf(key);
          if (master.port === not.port) throw new Error(`slot of ${key} still on ${not.port}`);
          return master;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      ),
    stop: async () => {
      await Promise.all(live().map((n) => n.stop()));
    },
  };
}

// One keep-alive HTTPS agent for every request to the API server. client-node 1.x builds a new agent for each
// request (KubeConfig.createAgent), so every status write, apply and create paid a TLS handshake on both ends
// and a fresh secure context (its CA and client certificate parsed again).
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import { KubeConfig, type Cluster } from '@kubernetes/client-node';

/** The options client-node builds an agent from; only what identifies a TLS setup is read. */
type AgentOptions = Record<string, unknown>;
type CreateAgent = (cluster: Cluster | null, options: AgentOptions) => Agent;

/** What makes two agents interchangeable: the server and every TLS option (a rotated client certificate differs). */
function agentKey(cluster: Cluster | null, options: AgentOptions): string {
  const hash = createHash('sha256');
  hash.update(cluster?.server ?? '');
  hash.update(cluster?.proxyUrl ?? '');
  for (const name of Object.keys(options).sort()) {
    const value = options[name];
    if (value === undefined) continue;
    hash.update(`\0${name}=`);
    hash.update(Buffer.isBuffer(value) ? value : typeof value === 'string' ? value : JSON.stringify(value));
  }
  return hash.digest('hex');
}

/** A copy of `kc` whose API clients share one keep-alive agent per TLS setup. */
export function withSharedConnections(kc: KubeConfig): KubeConfig {
  const shared = new KubeConfig();
  shared.loadFromOptions({
    clusters: kc.clusters,
    contexts: kc.contexts,
    users: kc.users,
    currentContext: kc.currentContext,
  });
  // createAgent is private in client-node's typings; it is the one place every request's agent is made.
  const target = shared as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(shared);
  let current: { key: string; agent: Agent } | undefined;
  target.createAgent = (cluster, options) => {
    const key = agentKey(cluster, options);
    if (current?.key !== key) current = { key, agent: original(cluster, { ...options, keepAlive: true }) };
    return current.agent;
  };
  return shared;
}

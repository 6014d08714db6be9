import { expect, test } from '@jest/globals';
import type { Agent } from 'node:http';
import { KubeConfig, type Cluster } from '@kubernetes/client-node';
import { withSharedConnections } from './connections.js';

const cluster: Cluster = { name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false };

function config(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

// The private method client-node calls for every request's agent.
const agentFor = (kc: KubeConfig, options: Record<string, unknown>): Agent =>
  (kc as unknown as { createAgent: (c: Cluster, o: Record<string, unknown>) => Agent }).createAgent(
    cluster,
    options,
  );

test('requests with the same TLS setup share one keep-alive agent', () => {
  const kc = withSharedConnections(config());
  const first = agentFor(kc, { ca: 'CA' });
  expect(agentFor(kc, { ca: 'CA' })).toBe(first);
  expect((first as Agent & { keepAlive: boolean }).keepAlive).toBe(true);
});

test('a changed client certificate gets a new agent', () => {
  const kc = withSharedConnections(config());
  const before = agentFor(kc, { ca: 'CA', cert: Buffer.from('one') });
  expect(agentFor(kc, { ca: 'CA', cert: Buffer.from('two') })).not.toBe(before);
});

test("client-node's own KubeConfig makes a new agent per request (why the copy exists)", () => {
  const kc = config();
  expect(agentFor(kc, { ca: 'CA' })).not.toBe(agentFor(kc, { ca: 'CA' }));
});

test('the copy keeps the current context, and the original is left alone', () => {
  const original = config();
  const shared = withSharedConnections(original);
  expect(shared.getCurrentCluster()?.server).toBe(cluster.server);
  expect(agentFor(original, {})).not.toBe(agentFor(original, {}));
});

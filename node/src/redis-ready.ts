// Waiting for a Redis client to finish connecting, typed by shape: a single server's client and a cluster's both fit.

/** What ioredis's client offers for it: its status, and a `ready` event. */
export interface ReadyReporter {
  readonly status: string;
  once(event: 'ready', listener: () => void): unknown;
}

/**
 * Resolves once `client` is ready. A subscriber must wait for it before its first SUBSCRIBE: sent while the ready
 * check is in flight, the SUBSCRIBE puts the connection in subscriber mode and ioredis refuses the check's own INFO
 * with an error nothing can catch (the gateway exited on it; malformed-messages.test.ts).
 */
export function whenReady(client: ReadyReporter): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

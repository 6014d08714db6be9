// Free loopback ports for local replicas. The OS picks an unused port; the caller also remembers the ones it
// handed out, because a replica may not have bound its port yet when the next one is allocated.
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A free port not in `taken`; tries a few times, since the OS may hand back a port a replica has yet to bind. */
export async function freePortExcept(taken: ReadonlySet<number>, attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i += 1) {
    const port = await freePort();
    if (!taken.has(port)) return port;
  }
  throw new Error(`no free loopback port after ${attempts} attempts`);
}

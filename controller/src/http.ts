// The controller's small HTTP surface: Prometheus `/metrics` and `/healthz`. Built here, listened on by the caller.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { errorMessage } from './log.js';

export interface ControllerHttpOptions {
  readonly registry: Registry;
  readonly isHealthy: () => boolean;
}

export function createControllerHttpServer({ registry, isHealthy }: ControllerHttpOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const healthy = isHealthy();
      res
        .writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' })
        .end(healthy ? 'ok\n' : 'not ready\n');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: unknown) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(error)}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}

// The slice of the kubelet API that `kubectl logs` needs: the API server proxies /containerLogs here.
import { createReadStream, existsSync, readFileSync, statSync, type ReadStream } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface KubeletServerOptions {
  readonly port: number;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The log file of a container, or undefined when the node runs no such pod. */
  readonly logFileOf: (namespace: string, pod: string, container: string) => string | undefined;
}

// How often a follower looks for new bytes.
const followPollMs = 250;

/** Only clients with a certificate from the cluster CA (the API server's kubelet client) get in. */
export function startKubeletServer(options: KubeletServerOptions): Server {
  const server = createServer(
    {
      ca: readFileSync(options.caFile),
      cert: readFileSync(options.certFile),
      key: readFileSync(options.keyFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => serveLogs(options, req, res),
  );
  server.listen(options.port, '127.0.0.1');
  return server;
}

function serveLogs(options: KubeletServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://node');
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const file = match ? options.logFileOf(match[1] ?? '', match[2] ?? '', match[3] ?? '') : undefined;
  if (!file || !existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('container not found on the process node\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  const start = startOffset(file, url.searchParams.get('tailLines'));
  if (url.searchParams.get('follow') === 'true') follow(file, start, res);
  else createReadStream(file, { start }).pipe(res);
}

/** The byte offset where the last `tailLines` lines begin (the whole file without it). */
function startOffset(file: string, tailLines: string | null): number {
  if (tailLines === null) return 0;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const keep = Number(tailLines) + (text.endsWith('\n') ? 1 : 0);
  return Buffer.byteLength(
    lines.slice(0, Math.max(0, lines.length - keep)).join('\n') + (lines.length > keep ? '\n' : ''),
  );
}

function follow(file: string, start: number, res: ServerResponse): void {
  let offset = start;
  let reading: ReadStream | undefined;
  const timer = setInterval(() => {
    const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    if (reading || size <= offset) return;
    reading = createReadStream(file, { start: offset, end: size - 1 });
    reading.on('data', (chunk) => res.write(chunk));
    reading.on('close', () => (reading = undefined));
    offset = size;
  }, followPollMs);
  res.on('close', () => clearInterval(timer));
}

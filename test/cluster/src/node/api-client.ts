// A small Kubernetes REST client over node:https with the node's client certificate: requests and watches.
import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';

export interface ApiClientOptions {
  readonly server: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

export type WatchEvent<T> = {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
};

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** Streams watch events until the server closes the stream or the signal aborts. */
  watch<T>(path: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = new URL(options.server);
  const tls = {
    ca: readFileSync(options.caFile),
    cert: readFileSync(options.certFile),
    key: readFileSync(options.keyFile),
  };
  const requestOptions = (method: string, path: string, headers: Record<string, string>): RequestOptions => ({
    ...tls,
    method,
    hostname: base.hostname,
    port: base.port,
    path,
    headers: { accept: 'application/json', ...headers },
  });

  return {
    request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      // An explicit length: node sends no chunked body for DELETE, which would leave the body unread.
      const headers: Record<string, string> =
        payload === undefined
          ? {}
          : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) };
      return new Promise((resolveBody, reject) => {
        const req = request(requestOptions(method, path, headers), (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolveBody((text ? JSON.parse(text) : {}) as T);
            else
              reject(new ApiError(`${method} ${path}: HTTP ${status}: ${text.slice(0, 300)}`, status, text));
          });
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timeout after 30 s`)));
        req.on('error', reject);
        req.end(payload);
      });
    },

    watch<T>(path: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
      return new Promise((resolveDone, reject) => {
        const req = request({ ...requestOptions('GET', path, {}), signal }, (res) => {
          if (res.statusCode !== 200) {
            reject(new ApiError(`watch ${path}: HTTP ${res.statusCode ?? 0}`, res.statusCode ?? 0, ''));
            res.resume();
            return;
          }
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let newline = buffered.indexOf('\n');
            while (newline >= 0) {
              const line = buffered.slice(0, newline).trim();
              buffered = buffered.slice(newline + 1);
              if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
              newline = buffered.indexOf('\n');
            }
          });
          res.on('end', () => resolveDone());
          res.on('error', reject);
        });
        req.on('error', (error) => (signal.aborted ? resolveDone() : reject(error)));
        req.end();
      });
    },
  };
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

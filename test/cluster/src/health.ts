// Waiting for the components' health endpoints over loopback.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TlsFiles {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  /** Skip verification: only for components whose serving certificate is self-signed in memory. */
  readonly insecure?: boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export function getUrl(url: string, tls?: TlsFiles, timeoutMs = 5_000): Promise<HttpAnswer> {
  const target = new URL(url);
  const options = {
    timeout: timeoutMs,
    ...(tls
      ? {
          ca: readFileSync(tls.ca),
          ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
          ...(tls.key ? { key: readFileSync(tls.key) } : {}),
          ...(tls.insecure ? { rejectUnauthorized: false } : {}),
        }
      : {}),
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, reject) => {
    const req = send(target, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  /** Checked on every round, so a crashed process fails the wait at once instead of at the timeout. */
  readonly stillRunning?: () => boolean;
  readonly logHint?: string;
}

/** Polls until the URL answers 200. */
export async function waitForOk(url: string, tls: TlsFiles | undefined, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  const hint = options.logHint ? `; see ${options.logHint}` : '';
  while (Date.now() < deadline) {
    if (options.stillRunning && !options.stillRunning())
      throw new Error(`${options.what} exited while starting${hint}`);
    try {
      const answer = await getUrl(url, tls, 2_000);
      if (answer.status === 200) return;
      last = `HTTP ${answer.status}: ${answer.body.slice(0, 500)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(200);
  }
  throw new Error(`${options.what} not ready after ${options.timeoutMs} ms (${last})${hint}`);
}

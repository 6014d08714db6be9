// One GET of a container's log through the API server (`pods/log`). client-node's Log drops `tailLines: 0` (it
// tests the option for truth), which turned `tail=0&follow=true` into the whole history; this sends the query as
// given.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { decodeApiErrorMessage } from '@spool/api';

export interface PodLogQuery {
  readonly follow: boolean;
  readonly tailLines?: number;
  /** RFC 3339. */
  readonly sinceTime?: string;
}

/** Which container's log, and how much of it. */
export interface PodLogRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly query: PodLogQuery;
}

/** An answer other than 200; `code` is its HTTP status, as client-node's ApiException has it. */
export class PodLogError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The log's URL on the API server. Pure. */
export function podLogUrl(server: string, { namespace, pod, container, query }: PodLogRequest): URL {
  const url = new URL(
    `${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', container);
  url.searchParams.set('follow', String(query.follow));
  // Always: a line's time comes from the kubelet's stamp, whatever the container printed.
  url.searchParams.set('timestamps', 'true');
  if (query.tailLines !== undefined) url.searchParams.set('tailLines', String(query.tailLines));
  if (query.sinceTime !== undefined) url.searchParams.set('sinceTime', query.sinceTime);
  return url;
}

/** The first 64 KiB of an answer: a Status is small, and that much says what went wrong. */
async function readHead(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const bytes = Buffer.from(chunk as Uint8Array);
    chunks.push(bytes);
    size += bytes.length;
    if (size > 65_536) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Pipes the log into `sink` until it ends or `signal` aborts, and resolves then; rejects with PodLogError on an
 * answer other than 200. A follow of tail 0 may get no answer before its first new line: the abort ends it too.
 */
export async function streamPodLog(
  kc: KubeConfig,
  log: PodLogRequest,
  sink: Writable,
  signal: AbortSignal,
): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig names no current cluster');
  const url = podLogUrl(server, log);
  const options: RequestOptions = { method: 'GET', headers: {}, signal };
  await kc.applyToHTTPSOptions(options);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let response: IncomingMessage;
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, options, resolve);
      req.on('error', reject);
      req.end();
    });
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
  if (response.statusCode !== 200) {
    const status = response.statusCode ?? 0;
    const body = await readHead(response);
    const message = decodeApiErrorMessage(body);
    throw new PodLogError(
      status,
      message.ok ? message.value : `the API server answered ${status}: ${body.slice(0, 200)}`,
    );
  }
  // The end is the sink's finish (its last line flushed), or a response cut short, where pipe never ends it.
  await new Promise<void>((resolve) => {
    sink
      .on('finish', resolve)
      .on('close', resolve)
      .on('error', () => resolve());
    response
      .on('error', () => resolve())
      .on('close', () => {
        if (!response.complete) resolve();
      });
    response.pipe(sink);
  });
}

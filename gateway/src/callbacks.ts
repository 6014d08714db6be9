// Delivers async results to X-Callback-Url: POST the function's response, retried with backoff by BullMQ.
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CALLBACK_QUEUE, KEY_PREFIX, type CallbackJob } from '@spool/api';

export interface CallbackDeliveryOptions {
  readonly redis: Redis;
  readonly timeoutMs: number;
  readonly concurrency?: number;
}

/** The callback request: the function's body, with its status and the call id in headers (as OpenFaaS does). */
export function callbackRequest(job: CallbackJob): { url: string; init: RequestInit } {
  const { result } = job;
  const headers: Record<string, string> = {
    ...result.headers,
    'x-call-id': job.callId,
    'x-function-status': String(result.status),
  };
  if (result.error) headers['x-spool-error'] = result.error.code;
  const body = result.error ? JSON.stringify(result.error) : Buffer.from(result.bodyBase64, 'base64');
  return { url: job.callbackUrl, init: { method: 'POST', headers, body } };
}

export function createCallbackDelivery(options: CallbackDeliveryOptions): Worker<CallbackJob> {
  const deliver = async (job: Job<CallbackJob>): Promise<void> => {
    const { url, init } = callbackRequest(job.data);
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`callback ${url} answered ${response.status}`);
  };
  return new Worker<CallbackJob>(CALLBACK_QUEUE, deliver, {
    connection: options.redis,
    prefix: KEY_PREFIX,
    concurrency: options.concurrency ?? 16,
    autorun: false,
  });
}

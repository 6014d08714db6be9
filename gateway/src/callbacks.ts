// Delivers async results to X-Callback-Url: POST the function's response, retried with backoff by BullMQ.
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CALLBACK_QUEUE, KEY_PREFIX, type CallbackJob } from '@spool/api';
import { attemptCallback } from './callback-attempts.js';

export interface CallbackDeliveryOptions {
  readonly redis: Redis;
  readonly timeoutMs: number;
  /** SPOOL_CALLBACK_MAX_ATTEMPTS. */
  readonly maxAttempts: number;
  readonly concurrency?: number;
  /** Told of callback jobs that do not decode. */
  readonly onMalformed?: (error: string) => void;
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

export function createCallbackDelivery(options: CallbackDeliveryOptions): Worker<unknown> {
  const deliver = async (callback: CallbackJob): Promise<void> => {
    const { url, init } = callbackRequest(callback);
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`callback ${url} answered ${response.status}`);
  };
  const attempt = { maxAttempts: options.maxAttempts, onMalformed: options.onMalformed ?? (() => undefined) };
  return new Worker<unknown>(CALLBACK_QUEUE, (job) => attemptCallback(job, deliver, attempt), {
    connection: options.redis,
    prefix: KEY_PREFIX,
    concurrency: options.concurrency ?? 16,
    autorun: false,
  });
}

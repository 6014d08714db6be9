// Delivers async results to X-Callback-Url: each attempt resolves the host, checks every address against
// SPOOL_CALLBACK_ALLOW, connects to exactly those addresses, never follows a redirect and reads at most 64 KiB
// of the answer. BullMQ retries failed attempts with backoff; a busy destination is retried soon, uncounted.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { readCheckedBody, type Redis } from '@spool/node';
import {
  CALLBACK_QUEUE,
  KEY_PREFIX,
  decideCallbackDestination,
  isSelfDestination,
  parseCallId,
  resultBodyKey,
  type CallbackJob,
  type CallbackPolicy,
  type CallbackVerdict,
  type SelfAddress,
} from '@spool/api';
import {
  callbackRequest,
  createDestinationLimiter,
  decideCallbackAnswer,
  destinationKey,
  hostAndPort,
  type CallbackOutcome,
  type CallbackRequest,
} from './callback-request.js';
import { attemptCallback } from './callback-attempts.js';
import type { Log } from './deps.js';

/** Of a callback target's answer at most this much is read (and thrown away): a 600 MB answer costs 64 KiB. */
export const CALLBACK_ANSWER_CAP_BYTES = 64 * 1024;
/** A destination at its limit puts the delivery back for this long; it does not use up an attempt. */
export const CALLBACK_BUSY_DELAY_MS = 250;

export interface CallbackDeliveryOptions {
  readonly redis: Redis;
  readonly timeoutMs: number;
  readonly policy: CallbackPolicy;
  /** Deliveries in flight at once in this gateway. */
  readonly concurrency: number;
  /** Deliveries in flight at once to one destination address. */
  readonly perDestination: number;
  /** The gateway's own listening address once it listens: callbacks to it are refused. */
  readonly self: () => SelfAddress | undefined;
  readonly log: Log;
  /** SPOOL_CALLBACK_MAX_ATTEMPTS: deliveries tried before the callback is kept as failed. */
  readonly maxAttempts: number;
  /** Told of callback jobs that do not decode (they fail at once). */
  readonly onMalformed: (error: string) => void;
}

/** Where one attempt goes: the checked addresses it may connect to, and nowhere else. */
export interface Destination {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly LookupAddress[];
}

/** The host's interface addresses, for telling a callback to this gateway from one to elsewhere. */
export const selfAddress = (port: number): SelfAddress => ({
  port,
  addresses: Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)),
});

/** Resolves `url`'s host to every address and decides on all of them (a refusal names why). */
export async function checkDestination(
  url: URL,
  policy: CallbackPolicy,
  self: SelfAddress | undefined,
): Promise<{ destination: Destination } | { refused: string }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { refused: `${url.protocol} is not http(s)` };
  const { host, port } = hostAndPort(url);
  const addresses = await dnsLookup(host, { all: true, verbatim: true });
  const texts = addresses.map((a) => a.address);
  const verdict: CallbackVerdict = decideCallbackDestination(policy, host, texts);
  if (!verdict.allowed) return { refused: verdict.reason };
  if (self && isSelfDestination(self, port, texts)) return { refused: `${url.host} is this gateway itself` };
  return { destination: { host, port, addresses } };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` that answers only the addresses already checked, so a second DNS answer cannot redirect the socket. */
function pinnedLookup(addresses: readonly LookupAddress[]) {
  return (_host: string, options: { all?: boolean }, callback: LookupCallback): void => {
    const first = addresses[0];
    if (options.all === true) return callback(null, [...addresses]);
    if (!first) return callback(new Error('no checked address'), '');
    callback(null, first.address, first.family);
  };
}

/** Reads at most CALLBACK_ANSWER_CAP_BYTES of the answer, then drops the connection. */
function drainCapped(res: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      res.destroy();
      resolve();
    };
    res.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= CALLBACK_ANSWER_CAP_BYTES) done();
    });
    res.once('end', done);
    res.once('error', done);
    res.once('aborted', done);
  });
}

/** One POST to a checked destination; the status decides, the body is capped and discarded. */
function post(
  request: CallbackRequest,
  destination: Destination,
  signal: AbortSignal,
): Promise<CallbackOutcome> {
  const send = request.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        protocol: request.url.protocol,
        host: destination.host,
        port: destination.port,
        path: `${request.url.pathname}${request.url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(request.body.length) },
        // node types `lookup` as overloads; this one function answers both forms (all or one address).
        lookup: pinnedLookup(destination.addresses) as never,
        agent: false,
        signal,
      },
      (res) => {
        const outcome = decideCallbackAnswer(res.statusCode ?? 0);
        void drainCapped(res).then(() => resolve(outcome));
      },
    );
    req.once('error', reject);
    req.end(request.body);
  });
}

function withTimeout<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('timed out'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function createCallbackDelivery(options: CallbackDeliveryOptions): Worker<unknown> {
  const limiter = createDestinationLimiter(options.perDestination);

  /**
   * A result body kept apart is read from the result key of the call the callback names (the mover checked that
   * call belongs to the outbox's function) and checked against its recorded length; a lost one is not retried.
   */
  const resultBody = async (job: Job<unknown>, callback: CallbackJob): Promise<Buffer | undefined> => {
    const expected = callback.result.bodyStoredBytes;
    const call = parseCallId(callback.callId);
    if (expected === undefined || call === undefined) return undefined;
    const key = resultBodyKey(call.ref, call.jobId);
    const body = await readCheckedBody(
      options.redis,
      key,
      expected,
      `the result body of call ${callback.callId}`,
    );
    if (!body.ok) throw new UnrecoverableError(`callback ${job.id ?? ''}: ${body.error}`);
    return body.value;
  };

  /** A job whose URL does not parse can never be delivered: fail it once instead of retrying. */
  const requestOf = async (job: Job<unknown>, callback: CallbackJob): Promise<CallbackRequest> => {
    const body = await resultBody(job, callback);
    try {
      return callbackRequest(callback, body);
    } catch (cause) {
      throw new UnrecoverableError(`callback ${job.id ?? ''} has no valid URL: ${String(cause)}`);
    }
  };

  const deliver = async (job: Job<unknown>, callback: CallbackJob, token?: string): Promise<void> => {
    const request = await requestOf(job, callback);
    const signal = AbortSignal.timeout(options.timeoutMs);
    const checked = await withTimeout(checkDestination(request.url, options.policy, options.self()), signal);
    if ('refused' in checked) {
      options.log.warn('callback refused', { callId: callback.callId, reason: checked.refused });
      throw new UnrecoverableError(`callback refused: ${checked.refused}`);
    }
    const key = destinationKey(checked.destination.addresses.map((a) => a.address));
    const release = limiter.tryAcquire(key);
    if (!release) {
      await job.moveToDelayed(Date.now() + CALLBACK_BUSY_DELAY_MS, token);
      throw new DelayedError(`destination ${key} is busy`);
    }
    try {
      const outcome = await post(request, checked.destination, signal);
      if (outcome.kind === 'delivered') return;
      const message = `callback to ${request.url.host} ${outcome.reason}`;
      throw outcome.final ? new UnrecoverableError(message) : new Error(message);
    } finally {
      release();
    }
  };

  const attempt = { maxAttempts: options.maxAttempts, onMalformed: options.onMalformed };
  return new Worker<unknown>(
    CALLBACK_QUEUE,
    (job, token) => attemptCallback(job, (callback) => deliver(job, callback, token), attempt),
    {
      connection: options.redis,
      prefix: KEY_PREFIX,
      concurrency: options.concurrency,
      autorun: false,
    },
  );
}

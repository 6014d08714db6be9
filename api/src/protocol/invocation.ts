// The call messages: the job a gateway enqueues, the result a watchdog returns, and the reply it publishes.
// Job and result arrive as BullMQ's parsed `job.data` / `job.returnvalue`, so their decoders take a value;
// a reply arrives as the string published on a gateway's reply channel.
import {
  decodeJson,
  decoded,
  describeValue,
  integerOf,
  isRecord,
  objectOf,
  oneOf,
  optional,
  refine,
  refused,
  stringOf,
  type Decoded,
  type Decoder,
} from '../decode.js';
import {
  JOB_VERSION,
  type InvocationJob,
  type InvocationRequest,
  type InvocationResult,
  type PlatformError,
  type Reply,
} from '../job.js';
import { isReplyChannel } from '../queue-names.js';
import {
  MAX_CALL_BODY_BYTES,
  MAX_CALL_MESSAGE_BYTES,
  bodyBase64,
  callIdField,
  callbackUrlField,
  epochMs,
  errorCodeField,
  errorMessage,
  httpHeaders,
  httpToken,
  traceCarrier,
} from './fields.js';

/** Request targets past 64 KiB are refused by every common server; Node's default stops at 16 KiB. */
const MAX_TARGET_CHARACTERS = 64 * 1024;
/** Node's `http.request` refuses a path with characters outside U+0021–U+00FF (`ERR_UNESCAPED_CHARACTERS`). */
const targetPattern = (start: string): RegExp => new RegExp(`^${start}[\\u0021-\\u00ff]*$`);

/** The length in bytes of a body kept apart in its own key. */
const bodyStoredBytes = integerOf(0, MAX_CALL_BODY_BYTES);

/** A body is inline or kept apart, never both: a reader must not have two bodies to choose from. */
const bodyProblem = (message: {
  readonly bodyBase64: string;
  readonly bodyStoredBytes?: number;
}): string | undefined =>
  message.bodyStoredBytes !== undefined && message.bodyBase64 !== ''
    ? 'bodyBase64: must be empty when bodyStoredBytes is set'
    : undefined;

const requestShape = objectOf({
  method: httpToken(32),
  path: stringOf({
    minLength: 1,
    maxLength: MAX_TARGET_CHARACTERS,
    pattern: targetPattern('/'),
    what: 'a path starting with / in characters a request target may hold',
  }),
  query: stringOf({
    maxLength: MAX_TARGET_CHARACTERS,
    pattern: targetPattern(''),
    what: 'a query in characters a request target may hold',
  }),
  headers: httpHeaders,
  bodyBase64,
  bodyStoredBytes: optional(bodyStoredBytes),
});

export const decodeInvocationRequest: Decoder<InvocationRequest> = refine(requestShape, bodyProblem);

const replyTo = stringOf({ minLength: 1, maxLength: 256 });

const jobShape = objectOf({
  version: oneOf<typeof JOB_VERSION>([JOB_VERSION]),
  callId: callIdField,
  kind: oneOf(['sync', 'async']),
  request: decodeInvocationRequest,
  replyTo: optional(replyTo),
  callbackUrl: optional(callbackUrlField),
  trace: traceCarrier,
  enqueuedAtMs: epochMs,
  expiresAtMs: optional(epochMs),
  enqueueDeadlineMs: optional(epochMs),
  readTokenSha256: optional(
    stringOf({ minLength: 64, maxLength: 64, pattern: /^[0-9a-f]{64}$/, what: 'hex SHA-256' }),
  ),
});

/** Why a well-typed job is still not one a gateway writes, or undefined. */
function jobProblem(job: InvocationJob): string | undefined {
  if (job.replyTo !== undefined && !isReplyChannel(job.replyTo))
    return `replyTo: must be a gateway reply channel, was ${JSON.stringify(job.replyTo)}`;
  if (job.kind === 'sync' && job.replyTo === undefined) return 'replyTo: is required for a sync call';
  if (job.kind === 'sync' && job.callbackUrl !== undefined) return 'callbackUrl: is for async calls only';
  if (job.kind === 'sync' && job.readTokenSha256 !== undefined)
    return 'readTokenSha256: is for async calls only';
  return undefined;
}

/** BullMQ's `job.data` of an invocation. A job of another version is refused: its fields may mean other things. */
export const decodeInvocationJob: Decoder<InvocationJob> = refine(jobShape, jobProblem);

const platformError: Decoder<PlatformError> = objectOf({ code: errorCodeField, message: errorMessage });

const resultShape = objectOf({
  status: integerOf(100, 599),
  headers: httpHeaders,
  bodyBase64,
  bodyStoredBytes: optional(bodyStoredBytes),
  error: optional(platformError),
  startedAtMs: epochMs,
  finishedAtMs: epochMs,
  // 0 for a result the gateway decided itself; async calls make at most 100 attempts (`spec.async.maxAttempts`),
  // and a stalled job may be taken again beyond that.
  attempt: integerOf(0, 1000),
});

export const decodeInvocationResult: Decoder<InvocationResult> = refine(resultShape, bodyProblem);

const resultReply = objectOf({ callId: callIdField, result: decodeInvocationResult });
const literallyTrue: Decoder<true> = (value) =>
  value === true ? decoded(true) : refused(`must be true, was ${describeValue(value)}`);
const completedNotice = objectOf({ callId: callIdField, completed: literallyTrue });

/** The result itself, or the notice that the job completed; a message with both fields is refused. */
const replyShape: Decoder<Reply> = (value) => {
  if (!isRecord(value) || !Object.hasOwn(value, 'completed')) return resultReply(value);
  if (Object.hasOwn(value, 'result')) return refused('carries both "result" and "completed"');
  return completedNotice(value);
};

/** A message on a gateway's reply channel. */
export const decodeReply = (raw: string): Decoded<Reply> =>
  decodeJson(raw, replyShape, MAX_CALL_MESSAGE_BYTES);

export const encodeReply = (reply: Reply): string => JSON.stringify(reply);

export interface SyncJobInput {
  readonly callId: string;
  readonly request: InvocationRequest;
  readonly replyTo: string;
  readonly trace: Readonly<Record<string, string>>;
  readonly enqueuedAtMs: number;
  readonly expiresAtMs: number;
  readonly enqueueDeadlineMs?: number;
}

/** The job of a sync call: answered on the enqueuing gateway's reply channel, skipped after `expiresAtMs`. */
export const syncInvocationJob = (input: SyncJobInput): InvocationJob => ({
  version: JOB_VERSION,
  kind: 'sync',
  callId: input.callId,
  request: input.request,
  replyTo: input.replyTo,
  trace: input.trace,
  enqueuedAtMs: input.enqueuedAtMs,
  expiresAtMs: input.expiresAtMs,
  ...(input.enqueueDeadlineMs !== undefined ? { enqueueDeadlineMs: input.enqueueDeadlineMs } : {}),
});

export interface AsyncJobInput {
  readonly callId: string;
  readonly request: InvocationRequest;
  readonly callbackUrl?: string;
  readonly trace: Readonly<Record<string, string>>;
  readonly enqueuedAtMs: number;
  readonly enqueueDeadlineMs?: number;
  readonly readTokenSha256?: string;
}

/** The job of an async call: its result is kept on the job and, with a callback URL, POSTed there. */
export const asyncInvocationJob = (input: AsyncJobInput): InvocationJob => ({
  version: JOB_VERSION,
  kind: 'async',
  callId: input.callId,
  request: input.request,
  ...(input.callbackUrl !== undefined ? { callbackUrl: input.callbackUrl } : {}),
  trace: input.trace,
  enqueuedAtMs: input.enqueuedAtMs,
  ...(input.enqueueDeadlineMs !== undefined ? { enqueueDeadlineMs: input.enqueueDeadlineMs } : {}),
  ...(input.readTokenSha256 !== undefined ? { readTokenSha256: input.readTokenSha256 } : {}),
});

// Field decoders shared by the call-protocol messages, with the bounds each enforces and why.
import {
  base64Length,
  decoded,
  describeValue,
  listOf,
  recordOf,
  refused,
  base64Of,
  integerOf,
  stringOf,
  stringRecordOf,
  type Decoder,
  MAX_MESSAGE_BYTES,
} from '../decode.js';
import { isErrorCode, type ErrorCode } from '../errors.js';
import type { HeaderValue, HttpHeaders } from '../job.js';
import { CALL_ID_PATTERN, FUNCTION_KEY_PATTERN } from '../queue-names.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest request or response body a call message carries: the largest `spec.maxBodyBytes` a Function may set. */
export const MAX_CALL_BODY_BYTES = 64 * MiB;
/** A call message (job, result, reply, callback) is its body in base64 plus at most 1 MiB of everything else. */
export const MAX_CALL_MESSAGE_BYTES = base64Length(MAX_CALL_BODY_BYTES) + MAX_MESSAGE_BYTES;
/** Replica status, scale requests and wake keys are a few short fields. */
export const MAX_CONTROL_MESSAGE_BYTES = 16 * KiB;
/** Most replicas a message may carry: the schema's largest `scale.max`. */
export const MAX_REPLICAS = 1000;

/** Node's bounds on one message's headers are 2,000 of them (`maxHeadersCount`) within 16 KiB by default. */
const MAX_HEADERS = 2000;
const MAX_HEADER_CHARACTERS = 64 * KiB;

/** RFC 9110 §5.6.2 token, as Node's `checkIsHttpToken` accepts it. */
const tokenPattern = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/** What Node's `setHeader` accepts in a value (no CR, LF or NUL): a decoded header can always be sent on. */
const headerValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

export const httpToken = (maxLength: number): Decoder<string> =>
  stringOf({ minLength: 1, maxLength, pattern: tokenPattern, what: 'an HTTP token' });

export const headerValue: Decoder<string> = stringOf({
  maxLength: MAX_HEADER_CHARACTERS,
  pattern: headerValuePattern,
  what: 'a header value without control characters',
});

const repeatedHeader = listOf(headerValue, MAX_HEADERS);

/** One header's value: a line, or the lines of a header sent more than once (two `Set-Cookie`). */
const headerLines: Decoder<HeaderValue> = (value) => {
  if (typeof value === 'string') return headerValue(value);
  return Array.isArray(value)
    ? repeatedHeader(value)
    : refused(`must be a string or a list of strings, was ${describeValue(value)}`);
};

const headerSize = (value: HeaderValue): number =>
  typeof value === 'string' ? value.length : value.reduce((sum, line) => sum + line.length, 0);

/** A header map as `forwardableHeaders` builds it: names are tokens, values sendable, the whole bounded. */
export const httpHeaders: Decoder<HttpHeaders> = recordOf({
  maxEntries: MAX_HEADERS,
  maxTotalLength: MAX_HEADER_CHARACTERS,
  key: httpToken(256),
  value: headerLines,
  size: headerSize,
});

/**
 * The trace carrier: `traceparent` and `tracestate` (512 characters each at most by the W3C spec), and whatever
 * else the configured propagators inject, such as a caller's `baggage`, which is bounded only as a header is.
 */
export const traceCarrier = stringRecordOf({
  maxEntries: 16,
  maxTotalLength: MAX_HEADER_CHARACTERS,
  key: httpToken(64),
  value: headerValue,
});

export const bodyBase64 = base64Of(MAX_CALL_BODY_BYTES);

/** Milliseconds since the epoch (or a duration): a non-negative safe integer. */
export const epochMs = integerOf(0, Number.MAX_SAFE_INTEGER);

export const callIdField = stringOf({
  minLength: 1,
  maxLength: 161,
  pattern: CALL_ID_PATTERN,
  what: 'a call id namespace.name.uuid',
});

export const functionKeyField = stringOf({
  minLength: 3,
  maxLength: 124,
  pattern: FUNCTION_KEY_PATTERN,
  what: 'a function key namespace/name',
});

export const replicaCount = integerOf(0, MAX_REPLICAS);

export const errorCodeField: Decoder<ErrorCode> = (value) =>
  isErrorCode(value) ? decoded(value) : refused(`must be a known error code, was ${describeValue(value)}`);

/** Platform error messages carry at most a 1 KiB stderr tail and a sentence around it; 16 KiB is ample. */
export const errorMessage = stringOf({ maxLength: 16 * KiB });

/** Where an async call's result is POSTed (`X-Callback-Url`); which destinations are allowed is the gateway's. */
export const callbackUrlField = stringOf({
  minLength: 8,
  maxLength: MAX_HEADER_CHARACTERS,
  pattern: /^https?:\/\/[^\s]+$/i,
  what: 'an http or https URL',
});

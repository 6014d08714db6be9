// Pure mapping between a queued invocation and the HTTP request a warm user server receives.
import { forwardableHeaders, outgoingHeaders, type InvocationJob, type InvocationRequest } from '@spool/api';

/** `path?query`, or the path alone when the query is empty. */
export const requestPath = (request: Pick<InvocationRequest, 'path' | 'query'>): string =>
  request.query === '' ? request.path : `${request.path}?${request.query}`;

/**
 * The job's end-to-end headers, plus `x-call-id` and the body's exact length. `X-Callback-Url` never reaches the
 * function: a function that echoes request headers into its answer would otherwise steer callbacks.
 */
export function requestHeaders(
  job: Pick<InvocationJob, 'callId' | 'request'>,
  bodyBytes: number,
): Record<string, string | string[]> {
  const { 'x-callback-url': _callbackUrl, ...headers } = forwardableHeaders(job.request.headers);
  return {
    ...outgoingHeaders(headers),
    'x-call-id': job.callId,
    'content-length': String(bodyBytes),
  };
}

/** The variables a fork-mode process gets for its call, beside the body on stdin. */
export const forkVars = (job: Pick<InvocationJob, 'callId' | 'request'>): Record<string, string> => ({
  SPOOL_HTTP_METHOD: job.request.method,
  SPOOL_HTTP_PATH: job.request.path,
  SPOOL_HTTP_QUERY: job.request.query,
  SPOOL_CALL_ID: job.callId,
});

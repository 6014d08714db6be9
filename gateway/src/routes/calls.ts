// `GET /calls/ID`: the state of a call (queued, running, succeeded, failed, timed out) and its result while retained.
import { Router } from 'express';
import {
  BODY_INLINE_MAX_BYTES,
  SpoolError,
  decodeInvocationJob,
  decodeInvocationResult,
  functionKey,
  parseCallId,
  type FunctionRef,
  type InvocationResult,
} from '@spool/api';
import { describeCall } from '../call-status.js';
import { callTokenMatches, presentedCredential } from '../call-token.js';
import { sameSecret } from '../credentials.js';
import type { AppDeps } from '../deps.js';
import type { Invoker } from '../invoker.js';

/** A finished job's return value: null for a sync call skipped after its caller was answered. */
function storedResult(value: unknown): InvocationResult | undefined {
  const result = value === null || value === undefined ? undefined : decodeInvocationResult(value);
  return result?.ok ? result.value : undefined;
}

/**
 * The result as `/calls` shows it, its body inline (base64) even when it is kept apart: read from the result key of
 * the call asked for, and checked against the length the job recorded.
 */
async function withInlineBody(
  invoker: Invoker,
  call: { readonly ref: FunctionRef; readonly jobId: string },
  result: InvocationResult | undefined,
): Promise<InvocationResult | undefined> {
  const expected = result?.bodyStoredBytes;
  if (result === undefined || expected === undefined) return result;
  const { bodyStoredBytes: _apart, ...rest } = result;
  const body = await invoker.storedResultBody(call.ref, call.jobId, expected);
  if (!body.ok)
    throw new SpoolError(
      'PAYLOAD_LOST',
      `${body.error}: an async result over ${BODY_INLINE_MAX_BYTES / 1024} KiB is retained for spec.async.retainSeconds, and only the newest within spec.async.retainBytes`,
    );
  return { ...rest, bodyBase64: body.value.toString('base64') };
}

/**
 * Reading a call needs its read token or the admin token. A wrong token reads exactly like an unknown call, so
 * neither tells whether a call id exists.
 */
function isAllowedReader(
  credential: string,
  adminToken: string | undefined,
  readTokenSha256?: string,
): boolean {
  const admin = adminToken !== undefined && sameSecret(credential, adminToken);
  // Both are compared, always: the time taken does not say which of the two matched.
  const owner = callTokenMatches(credential, readTokenSha256);
  return admin || owner;
}

export function callRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/calls/:id', async (req, res) => {
    const id = String(req.params['id']);
    const parsed = parseCallId(id);
    if (!parsed) throw new SpoolError('CALL_NOT_FOUND', `"${id}" is not a call id`);
    // Only functions this gateway serves: no queue object (state) for any other name asked for, and a namespace
    // the gateway does not serve reads as not found (issue 11 items 3 and 7).
    if (deps.registry.get(parsed.ref) === undefined)
      throw new SpoolError('CALL_NOT_FOUND', `call ${id} does not exist or is past its retention`);
    const credential = presentedCredential({
      callToken: req.get('x-call-token'),
      authorization: req.get('authorization'),
    });
    // Refused before Redis is asked anything: a request without a credential costs one registry lookup.
    if (credential === undefined)
      throw new SpoolError(
        'UNAUTHORIZED',
        'reading a call needs its read token (X-Call-Token: <token> from the 202) or Authorization: Bearer <admin token>',
      );
    const queue = deps.invoker.queueFor(parsed.ref);
    // State first, then the job: a call finishing in between then reads as still running, never as
    // succeeded without its result.
    const jobState = await queue.getJobState(parsed.jobId);
    const job = jobState === 'unknown' ? undefined : await queue.getJob(parsed.jobId);
    if (!job) throw new SpoolError('CALL_NOT_FOUND', `call ${id} does not exist or is past its retention`);
    // Job data and return value are bytes from Redis like any message: a job that does not decode is no call.
    const decoded = decodeInvocationJob(job.data);
    if (!decoded.ok)
      throw new SpoolError('CALL_NOT_FOUND', `call ${id} is stored malformed: ${decoded.error}`);
    const data = decoded.value;
    if (!isAllowedReader(credential, deps.config.adminToken, data.readTokenSha256))
      throw new SpoolError('CALL_NOT_FOUND', `call ${id} does not exist or is past its retention`);
    const view = describeCall({
      jobState,
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      enqueuedAtMs: data.enqueuedAtMs,
      processedOnMs: job.processedOn,
      finishedOnMs: job.finishedOn,
      result: await withInlineBody(deps.invoker, parsed, storedResult(job.returnvalue)),
      failedReason: job.failedReason || undefined,
      attemptErrors: job.stacktrace,
    });
    res.json({ id, function: functionKey(parsed.ref), kind: data.kind, ...view });
  });
  return router;
}

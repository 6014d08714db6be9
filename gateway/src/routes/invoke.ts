// `ANY /function/NAME[.NAMESPACE][/path]` (sync) and `POST /async-function/NAME[/path]` (202 + X-Call-Id).
import { Router, type Request, type Response } from 'express';
import {
  SpoolError,
  functionKey,
  metricFunctionName,
  openfaasRef,
  unavailableReason,
  type ResolvedFunction,
} from '@spool/api';
import { readBody } from '../body.js';
import { checkDestination } from '../callbacks.js';
import { callTokenSha256, newCallToken } from '../call-token.js';
import { headersToClient, headersToFunction, splitInvocationUrl } from '../forwarding.js';
import { sendPlatformError } from '../http-errors.js';
import { contextFromHeaders, inSpan, traceCarrier } from '../tracing.js';
import type { AppDeps } from '../deps.js';
import type { CallAnswer, CallRequest } from '../invoker.js';

function resolveTarget(deps: AppDeps, req: Request): ResolvedFunction {
  if (deps.drain.draining()) throw new SpoolError('SHUTTING_DOWN', 'the gateway is shutting down; retry');
  const raw = String(req.params['name']);
  const ref = openfaasRef(raw, deps.config);
  const fn = deps.registry.get(ref);
  if (!fn) throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
  return fn;
}

/**
 * A sync call to a function its status calls broken (issue 12) is answered 503 at once with the reason, rather
 * than waiting out the queue; a function only starting still queues. Async calls are accepted regardless and
 * retried with backoff as usual.
 */
function refuseIfBroken(deps: AppDeps, fn: ResolvedFunction): void {
  const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
  // The gateway's copy, kept current by the controller's notices: no round trip. An unknown status is no verdict.
  const status = deps.statuses.read(ref);
  const why = unavailableReason(status);
  if (why !== undefined)
    throw new SpoolError('FUNCTION_UNAVAILABLE', `function ${functionKey(ref)} cannot serve: ${why}`);
}

async function readInvocation(
  deps: AppDeps,
  req: Request,
  fn: ResolvedFunction,
  prefix: string,
): Promise<CallRequest> {
  const limit = Math.min(fn.spec.maxBodyBytes, deps.config.maxBodyBytes);
  const body = await readBody(req, limit);
  const { path, query } = splitInvocationUrl(req.originalUrl, prefix);
  return {
    method: req.method,
    path,
    query,
    headers: headersToFunction(req.headersDistinct, {
      remoteAddress: req.socket.remoteAddress,
      protocol: req.protocol,
    }),
    body,
  };
}

/** Spool's own headers go on last, so nothing the function answered can stand in for them. */
function sendResult(res: Response, callId: string, { result, body }: CallAnswer): void {
  const platform = {
    'x-call-id': callId,
    'x-duration-seconds': ((result.finishedAtMs - result.startedAtMs) / 1000).toFixed(3),
  };
  if (result.error) {
    res.set(platform);
    return sendPlatformError(res, result.error);
  }
  res.status(result.status);
  // setHeader, not express's res.set: that rewrites Content-Type (`text/x-sdk` → `text/x-sdk; charset=utf-8`).
  for (const [name, value] of Object.entries(headersToClient(result.headers, platform)))
    res.setHeader(name, value);
  res.end(body);
}

/**
 * The X-Callback-Url, refused at once when its destination is not allowed. A name that does not resolve now is
 * accepted: every delivery attempt resolves and checks again, and DNS may recover.
 */
async function callbackUrlOf(deps: AppDeps, req: Request): Promise<string | undefined> {
  const raw = req.get('x-callback-url');
  if (raw === undefined) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SpoolError('INVALID_REQUEST', `X-Callback-Url must be an http or https URL, was: "${raw}"`);
  }
  const checked = await checkDestination(url, deps.config.callbackAllow, deps.selfAddress()).catch(
    () => undefined,
  );
  if (checked && 'refused' in checked) {
    throw new SpoolError('CALLBACK_NOT_ALLOWED', `X-Callback-Url is not allowed: ${checked.refused}`);
  }
  return url.toString();
}

export function invokeRoutes(deps: AppDeps): Router {
  const router = Router();
  const { metrics } = deps;

  const sync = async (req: Request, res: Response): Promise<void> => {
    const started = process.hrtime.bigint();
    const fn = resolveTarget(deps, req);
    refuseIfBroken(deps, fn);
    const label = metricFunctionName(fn.metadata);
    // A body refused with 413 is answered before the rest of a large upload arrives; close that connection.
    const request = await readInvocation(deps, req, fn, '/function/').catch((error: unknown) => {
      res.set('connection', 'close');
      throw error;
    });
    metrics.invocationsStarted.inc({ function_name: label });
    await inSpan('gateway.invoke', contextFromHeaders(req.headers), async (span) => {
      span.setAttribute(
        'spool.function',
        functionKey({ namespace: fn.metadata.namespace, name: fn.metadata.name }),
      );
      const call = await deps.invoker.invokeSync(fn, request, traceCarrier());
      span.setAttribute('spool.call_id', call.callId);
      sendResult(res, call.callId, await call.result);
      span.setAttribute('http.response.status_code', res.statusCode);
    });
    const code = String(res.statusCode);
    metrics.invocations.inc({ function_name: label, code });
    metrics.duration.observe({ function_name: label, code }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const async = async (req: Request, res: Response): Promise<void> => {
    const fn = resolveTarget(deps, req);
    if (req.method !== 'POST') throw new SpoolError('METHOD_NOT_ALLOWED', 'async calls are made with POST');
    const callbackUrl = await callbackUrlOf(deps, req);
    const request = await readInvocation(deps, req, fn, '/async-function/');
    metrics.invocationsStarted.inc({ function_name: metricFunctionName(fn.metadata) });
    // The caller alone learns the token; the job keeps its hash (issue 11 item 7).
    const callToken = newCallToken();
    const callId = await inSpan('gateway.enqueue', contextFromHeaders(req.headers), () =>
      deps.invoker.enqueueAsync(fn, request, {
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        trace: traceCarrier(),
        readTokenSha256: callTokenSha256(callToken),
      }),
    );
    res
      .status(202)
      .set({ 'x-call-id': callId, 'x-call-token': callToken, 'cache-control': 'no-store' })
      .json({ callId, callToken, status: `/calls/${callId}` });
  };

  router.all(['/function/:name', '/function/:name/*path'], sync);
  router.all(['/async-function/:name', '/async-function/:name/*path'], async);
  return router;
}

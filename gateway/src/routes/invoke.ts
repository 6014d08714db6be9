// `ANY /function/NAME[.NAMESPACE][/path]` (sync) and `POST /async-function/NAME[/path]` (202 + X-Call-Id).
import { Router, type Request, type Response } from 'express';
import {
  SpoolError,
  forwardableHeaders,
  functionKey,
  metricFunctionName,
  parseInvocationName,
  type InvocationRequest,
  type InvocationResult,
  type ResolvedFunction,
} from '@spool/api';
import { readBody } from '../body.js';
import { sendPlatformError } from '../http-errors.js';
import { contextFromHeaders, inSpan, traceCarrier } from '../tracing.js';
import type { AppDeps } from '../deps.js';

/** Splits `/function/echo/a/b?x=1` into the function's own path `/a/b` and query `x=1`. */
export function splitInvocationUrl(
  originalUrl: string,
  prefixAndName: string,
): { path: string; query: string } {
  const q = originalUrl.indexOf('?');
  const pathname = q < 0 ? originalUrl : originalUrl.slice(0, q);
  return { path: pathname.slice(prefixAndName.length) || '/', query: q < 0 ? '' : originalUrl.slice(q + 1) };
}

function resolveTarget(deps: AppDeps, req: Request): ResolvedFunction {
  if (deps.drain.draining()) throw new SpoolError('SHUTTING_DOWN', 'the gateway is shutting down; retry');
  const raw = String(req.params['name']);
  const ref = parseInvocationName(raw, deps.config.defaultNamespace);
  const fn = deps.registry.get(ref);
  if (!fn) throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
  return fn;
}

async function readInvocation(
  deps: AppDeps,
  req: Request,
  fn: ResolvedFunction,
  prefix: string,
): Promise<InvocationRequest> {
  const limit = Math.min(fn.spec.maxBodyBytes, deps.config.maxBodyBytes);
  const body = await readBody(req, limit);
  const { path, query } = splitInvocationUrl(req.originalUrl, `${prefix}${String(req.params['name'])}`);
  return {
    method: req.method,
    path,
    query,
    headers: forwardableHeaders(req.headers),
    bodyBase64: body.toString('base64'),
  };
}

function sendResult(res: Response, result: InvocationResult): void {
  if (result.error) return sendPlatformError(res, result.error);
  res.status(result.status).set(result.headers).end(Buffer.from(result.bodyBase64, 'base64'));
}

function callbackUrlOf(req: Request): string | undefined {
  const raw = req.get('x-callback-url');
  if (raw === undefined) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SpoolError('INVALID_REQUEST', `X-Callback-Url must be an http or https URL, was: "${raw}"`);
  }
  return url.toString();
}

export function invokeRoutes(deps: AppDeps): Router {
  const router = Router();
  const { metrics } = deps;

  const sync = async (req: Request, res: Response): Promise<void> => {
    const started = process.hrtime.bigint();
    const fn = resolveTarget(deps, req);
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
      const result = await call.result;
      res.set('x-call-id', call.callId);
      res.set('x-duration-seconds', ((result.finishedAtMs - result.startedAtMs) / 1000).toFixed(3));
      sendResult(res, result);
      span.setAttribute('http.response.status_code', res.statusCode);
    });
    const code = String(res.statusCode);
    metrics.invocations.inc({ function_name: label, code });
    metrics.duration.observe({ function_name: label, code }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const async = async (req: Request, res: Response): Promise<void> => {
    const fn = resolveTarget(deps, req);
    if (req.method !== 'POST') throw new SpoolError('METHOD_NOT_ALLOWED', 'async calls are made with POST');
    const callbackUrl = callbackUrlOf(req);
    const request = await readInvocation(deps, req, fn, '/async-function/');
    metrics.invocationsStarted.inc({ function_name: metricFunctionName(fn.metadata) });
    const callId = await inSpan('gateway.enqueue', contextFromHeaders(req.headers), () =>
      deps.invoker.enqueueAsync(fn, request, {
        ...(callbackUrl !== undefined ? { callbackUrl } : {}),
        trace: traceCarrier(),
      }),
    );
    res
      .status(202)
      .set('x-call-id', callId)
      .json({ callId, status: `/calls/${callId}` });
  };

  router.all(['/function/:name', '/function/:name/*path'], sync);
  router.all(['/async-function/:name', '/async-function/:name/*path'], async);
  return router;
}

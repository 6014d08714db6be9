// OpenTelemetry for the gateway: the span around each call, and the W3C context carried inside the job.
import { context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';

export const tracer = trace.getTracer('spool-gateway');

/** The caller's trace context (a `traceparent` header), so a client's trace continues through Spool. */
export const contextFromHeaders = (headers: IncomingHttpHeaders): Context =>
  propagation.extract(context.active(), headers);

/** The current context as a string map, to travel inside the job. */
export function traceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export async function inSpan<T>(name: string, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, {}, parent, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

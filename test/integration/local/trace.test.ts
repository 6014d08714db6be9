// One trace spans the caller, the gateway and the watchdog: the context travels inside the job.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { node, tracing } from '@opentelemetry/sdk-node';
import type { Watchdog } from '@spool/watchdog';
import { eventually } from '../../support/eventually.js';
import {
  fixturePath,
  startGateway,
  startWatchdog,
  testFunction,
  type TestGateway,
} from '../../support/local-functions.js';

jest.setTimeout(20_000);

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

const fn = testFunction({ image: 'x', command: ['node', fixturePath('faulty-server.mjs')] }, 'traced');
let gw: TestGateway;
let watchdog: Watchdog;

beforeAll(async () => {
  watchdog = await startWatchdog(fn);
  gw = await startGateway([fn]);
});

afterAll(async () => {
  await gw.close();
  await watchdog.close();
  await provider.shutdown();
});

describe('tracing', () => {
  test("the caller's trace continues through gateway, queue and watchdog to the user process", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${gw.url}/function/traced.${fn.metadata.namespace}`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const seenByUser = ((await res.json()) as { traceparent: string }).traceparent;
    const spans = await eventually(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      if (found.length < 2) throw new Error(`${found.length} spans`);
      return found;
    });
    expect({ names: spans.map((s) => s.name).sort(), userTrace: seenByUser.split('-')[1] }).toEqual({
      names: ['gateway.invoke', 'watchdog.invoke'],
      userTrace: traceId,
    });
  });
});

// Kubernetes mode's /system/logs: the function container's log of each of the function's pods, read through the
// API server (`pods` list and `pods/log` get, granted by the chart's gateway.functionLogs). With follow, pods that
// start later are picked up on the next look (every 2 s) and streamed from their first line.
import { Writable } from 'node:stream';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  FUNCTION_LABEL,
  SpoolError,
  functionKey,
  isSince,
  splitTimestamp,
  structuredLineTime,
  type FunctionRef,
  type LogMessage,
  type LogRequest,
} from '@spool/api';
import { lineSplitter, pause, type LogReader } from './logs.js';
import { streamPodLog } from './pod-log.js';

/** The function's container in the pods the controller builds (controller desired.ts). */
const FUNCTION_CONTAINER = 'function';
const POD_LOOK_MS = 2_000;

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

const forbidden = (ref: FunctionRef): SpoolError =>
  new SpoolError(
    'RBAC_FORBIDDEN',
    `the gateway may not read the logs of ${functionKey(ref)}: install the chart with gateway.functionLogs=true`,
  );

/** A Writable that turns the log bytes of one pod into messages. */
function podSink(request: LogRequest, pod: string, emit: (m: LogMessage) => void): Writable {
  const { ref } = request;
  const split = lineSplitter((line) => {
    const { timestamp, text } = splitTimestamp(line);
    // A kubelet stamps every line (timestamps=true); one that does not leaves the line's own time, or now.
    const stamp = timestamp ?? structuredLineTime(text) ?? new Date().toISOString();
    if (isSince(stamp, request.sinceMs))
      emit({ name: ref.name, namespace: ref.namespace, instance: pod, timestamp: stamp, text });
  });
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      split.push(chunk.toString('utf8'));
      done();
    },
    final(done) {
      split.flush();
      done();
    },
  });
}

export function kubeLogReader(kc: KubeConfig): LogReader {
  const core = kc.makeApiClient(CoreV1Api);
  const podsOf = async (request: LogRequest): Promise<string[]> => {
    try {
      const list = await core.listNamespacedPod({
        namespace: request.ref.namespace,
        labelSelector: `${FUNCTION_LABEL}=${request.ref.name}`,
      });
      return list.items
        .filter((p) => p.status?.phase !== 'Pending')
        .map((p) => p.metadata?.name ?? '')
        .filter((name) => name !== '' && (request.instance === undefined || name === request.instance));
    } catch (error) {
      if (statusOf(error) === 403) throw forbidden(request.ref);
      throw new Error(`listing the pods of ${functionKey(request.ref)}`, { cause: error });
    }
  };
  /** Streams one pod's log into `emit`; resolves when the stream ends (at once without follow) or `signal` aborts. */
  const readPod = async (
    request: LogRequest,
    pod: string,
    emit: (m: LogMessage) => void,
    signal: AbortSignal,
  ): Promise<void> => {
    const query = {
      follow: request.follow,
      ...(request.tail !== undefined ? { tailLines: request.tail } : {}),
      ...(request.sinceMs !== undefined ? { sinceTime: new Date(request.sinceMs).toISOString() } : {}),
    };
    const log = { namespace: request.ref.namespace, pod, container: FUNCTION_CONTAINER, query };
    try {
      await streamPodLog(kc, log, podSink(request, pod, emit), signal);
    } catch (error) {
      if (statusOf(error) === 403) throw forbidden(request.ref);
      // A pod that went away (404) or has not started its container (400) has no log to give.
      if (statusOf(error) === 404 || statusOf(error) === 400) return;
      throw new Error(`reading the log of pod ${request.ref.namespace}/${pod}`, { cause: error });
    }
  };
  return {
    async stream(request, sink, signal) {
      const emit = (m: LogMessage): void => sink.emit(m);
      const pods = await podsOf(request);
      const seen = new Set(pods);
      const running = pods.map((pod) => readPod(request, pod, emit, signal));
      if (!request.follow) {
        await Promise.all(running);
        sink.ready();
        return;
      }
      // The response starts now, not once every pod's log is open: a kubelet answers a follow of tail 0 only at
      // its first new line. A line written in between is missed, as with `kubectl logs -f --tail=0`.
      sink.ready();
      const later: Promise<void>[] = [];
      // A pod that starts while following is read from its first line.
      const { tail: _tail, ...fromStart } = request;
      while (!signal.aborted) {
        await pause(POD_LOOK_MS, signal);
        if (signal.aborted) break;
        const fresh = (await podsOf(request).catch(() => [])).filter((p) => !seen.has(p));
        for (const pod of fresh) {
          seen.add(pod);
          later.push(readPod(fromStart, pod, emit, signal).catch(() => undefined));
        }
      }
      await Promise.allSettled([...running, ...later]);
    },
  };
}

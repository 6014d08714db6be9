// Where GET /system/logs reads (issue 13 item 5): replica log files in local mode (local-logs.ts), pod logs
// through the API server in Kubernetes mode (kube-logs.ts). Both hand faas-provider logs.Messages to `emit`.
import { SpoolError, type LogMessage, type LogRequest } from '@spool/api';

export interface LogSink {
  emit(message: LogMessage): void;
  /** The history is out (or on its way): a follower's response may start even before a first line. */
  ready(): void;
}

export interface LogReader {
  /**
   * Emits the requested history, then (with `follow`) every new line until `signal` aborts. Resolves when done;
   * throws RBAC_FORBIDDEN before emitting anything.
   */
  stream(request: LogRequest, sink: LogSink, signal: AbortSignal): Promise<void>;
}

/** Splits a byte stream into lines; a trailing partial line waits for its end (or `flush`). */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: string): void;
  flush(): void;
} {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    flush() {
      if (partial !== '') onLine(partial);
      partial = '';
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** Kubernetes mode without `GatewayDeps.logs`. */
export const missingLogReader: LogReader = {
  stream: () =>
    Promise.reject(
      new SpoolError('INTERNAL', 'this gateway was started without a log reader (GatewayDeps.logs)'),
    ),
};

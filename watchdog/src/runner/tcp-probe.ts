// Readiness of a warm user server: it accepts TCP connections on its port.
import { connect } from 'node:net';
import type { Clock } from '../clock.js';

export interface TcpTarget {
  readonly host: string;
  readonly port: number;
}

/** One connection attempt; a server that neither accepts nor refuses within `timeoutMs` counts as not ready. */
export function isAccepting(target: TcpTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const settle = (accepting: boolean): void => {
      socket.destroy();
      resolve(accepting);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}

export interface WaitAcceptingOptions {
  readonly deadlineMs: number;
  /** Stop early: the process exited or the runner stopped. */
  readonly giveUp: () => boolean;
  readonly clock: Clock;
}

/** Polls every 50 ms: a Node.js server is usually listening within 100–300 ms of spawn. */
const PROBE_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 1000;

export async function waitUntilAccepting(target: TcpTarget, options: WaitAcceptingOptions): Promise<boolean> {
  const { deadlineMs, giveUp, clock } = options;
  while (!giveUp() && clock.now() < deadlineMs) {
    if (await isAccepting(target, PROBE_TIMEOUT_MS)) return !giveUp();
    await clock.sleep(PROBE_INTERVAL_MS);
  }
  return false;
}

// The one stop sequence (SIGTERM or close()): unready → drain the worker → kill the user process → close Redis.
import type { Logger } from './logger.js';

export interface ShutdownSteps {
  /** /_/ready turns 503, so Kubernetes stops counting this pod while it drains. */
  goUnready(): void;
  /**
   * Stops pulling jobs and waits for the calls in flight; each ends within the function's timeoutSeconds (plus
   * killGraceMs), so the drain is bounded and terminationGracePeriodSeconds should exceed that sum.
   */
  closeWorker(): Promise<void>;
  /** Kills the user process group: SIGTERM, SIGKILL after killGraceMs. */
  stopUserProcess(): Promise<void>;
  closeRedis(): Promise<void>;
  /** Last, so probes keep answering (503) during the drain. */
  closeServer(): Promise<void>;
}

/**
 * Returns `close()`: runs the steps once, in order, each even if an earlier one failed; a second SIGTERM gets the
 * same promise. Resolves true when every step succeeded.
 */
export function createShutdown(steps: ShutdownSteps, logger: Logger): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  return () => {
    running ??= runSteps(steps, logger);
    return running;
  };
}

async function runSteps(steps: ShutdownSteps, logger: Logger): Promise<boolean> {
  logger.info('shutting down: unready, draining calls in flight');
  steps.goUnready();
  const ordered: [string, () => Promise<void>][] = [
    ['closing the queue worker', () => steps.closeWorker()],
    ['stopping the user process', () => steps.stopUserProcess()],
    ['closing Redis', () => steps.closeRedis()],
    ['closing the health server', () => steps.closeServer()],
  ];
  let clean = true;
  for (const [what, step] of ordered) {
    try {
      await step();
    } catch (error) {
      clean = false;
      logger.error(what, { error });
    }
  }
  logger.info('shut down', { clean });
  return clean;
}

// One callback delivery attempt as the gateway's callback worker runs it: the job is decoded first (bytes from
// Redis), and the gateway's own SPOOL_CALLBACK_MAX_ATTEMPTS decides when to stop retrying.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { decodeCallbackJob, failureReason, type CallbackJob } from '@spool/api';

export interface CallbackAttemptOptions {
  /** SPOOL_CALLBACK_MAX_ATTEMPTS: deliveries tried before the callback is kept as failed. */
  readonly maxAttempts: number;
  /** Told of a callback job that does not decode (it fails at once, unretried). */
  readonly onMalformed: (error: string) => void;
}

/**
 * Whether a failed attempt is the last: the enqueuer asks BullMQ for the protocol's ceiling of attempts
 * (MAX_CALLBACK_ATTEMPTS), and the delivering gateway stops at its configured number, so the knob has one home.
 */
export const isLastAttempt = (attemptsMade: number, maxAttempts: number): boolean =>
  attemptsMade + 1 >= maxAttempts;

export async function attemptCallback(
  job: Pick<Job, 'data' | 'attemptsMade'>,
  deliver: (callback: CallbackJob) => Promise<void>,
  options: CallbackAttemptOptions,
): Promise<void> {
  const callback = decodeCallbackJob(job.data);
  if (!callback.ok) {
    options.onMalformed(callback.error);
    throw new UnrecoverableError(failureReason('INVALID_REQUEST', `callback job refused: ${callback.error}`));
  }
  try {
    await deliver(callback.value);
  } catch (error) {
    // A busy destination's delay uses no attempt, and a refusal is final already.
    const passOn = error instanceof DelayedError || error instanceof UnrecoverableError;
    if (passOn || !isLastAttempt(job.attemptsMade, options.maxAttempts)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnrecoverableError(`${reason} (attempt ${job.attemptsMade + 1} of ${options.maxAttempts})`);
  }
}

// Reading a BullMQ job in a test once it has reached a state.
import { expect } from '@jest/globals';
import type { Job, Queue } from 'bullmq';

/**
 * The job, once its state is `state`; to be called inside `eventually`. State first, then the job: read the other way
 * round, a job fetched just before its last transition (a retry, its failure) would pass with the fields it had then.
 */
export async function jobInState<T>(
  queue: Queue<T>,
  jobId: string,
  state: 'completed' | 'failed',
): Promise<Job<T>> {
  expect(await queue.getJobState(jobId)).toBe(state);
  const job = await queue.getJob(jobId);
  expect(job).toBeDefined();
  return job as Job<T>;
}

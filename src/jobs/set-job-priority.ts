import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { getJob } from './get-job.ts';
import type { Job } from './job.ts';

/** Highest and lowest priority an admin may give (claim-order.ts: one point is an hour of waiting). */
export const PRIORITY_LIMIT = 1000;

/**
 * Sets a job's priority, in whatever state it is (a failed or waiting job keeps it for when
 * it is queued). The next claim orders by it (src/scheduler/claim-order.ts).
 */
export async function setJobPriority(db: Db, jobId: number, priority: number): Promise<Job> {
  if (!Number.isInteger(priority) || Math.abs(priority) > PRIORITY_LIMIT) {
    throw new DomainError('invalid-input', `priority must be an integer from -${PRIORITY_LIMIT} to ${PRIORITY_LIMIT}`);
  }
  const row = await db.updateTable('jobs').set({ priority }).where('id', '=', jobId).returning('id').executeTakeFirst();
  if (!row) throw new DomainError('not-found', `job ${jobId} does not exist`);
  return getJob(db, jobId);
}

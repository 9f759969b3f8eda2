import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { type Job, type JobEvent, selectJobs, toJob } from './job.ts';
import type { JobState } from './job-states.ts';

export async function getJob(db: Db, id: number): Promise<Job> {
  const row = await selectJobs(db).where('id', '=', id).executeTakeFirst();
  if (!row) throw new DomainError('not-found', `job ${id} does not exist`);
  return toJob(row);
}

/** The job's history, oldest first (a query, so it can be a part of a larger one). */
export function eventsOf(db: Db, jobId: number) {
  return db
    .selectFrom('job_events')
    .select(['from_state', 'to_state', 'actor', 'reason', 'created_at'])
    .where('job_id', '=', jobId)
    .orderBy('id');
}

/** Takes the timestamp as a Date or, from a JSON aggregate, as a string. */
export function toJobEvent(r: {
  from_state: string | null;
  to_state: string;
  actor: string;
  reason: string | null;
  created_at: Date | string;
}): JobEvent {
  return {
    from: r.from_state as JobState | null,
    to: r.to_state as JobState,
    actor: r.actor,
    reason: r.reason,
    at: new Date(r.created_at),
  };
}

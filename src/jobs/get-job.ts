import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { attachFiles, type Job, type JobEvent } from './job.ts';
import type { JobState } from './job-states.ts';

export async function getJob(db: Db, id: number): Promise<Job> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new DomainError('not-found', `job ${id} does not exist`);
  const [job] = await attachFiles(db, [row]);
  return job!;
}

/** The job's history, oldest first. */
export async function listJobEvents(db: Db, jobId: number): Promise<JobEvent[]> {
  const rows = await db
    .selectFrom('job_events')
    .select(['from_state', 'to_state', 'actor', 'reason', 'created_at'])
    .where('job_id', '=', jobId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    from: r.from_state as JobState | null,
    to: r.to_state as JobState,
    actor: r.actor,
    reason: r.reason,
    at: r.created_at,
  }));
}

import { sql } from 'kysely';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { isLegalTransition, type JobState } from './job-states.ts';

export interface TransitionRequest {
  jobId: number;
  to: JobState;
  /** Who asked: `token:<id>`, `scheduler`, `system`… */
  actor: string;
  reason?: string | null;
  /** Refuse unless the job is in one of these states (guards races between deciders). */
  from?: readonly JobState[];
}

/**
 * The only way a job changes state: checks the transition is legal and writes the job_events
 * row in the same transaction, so the history is never out of step with the job.
 */
export async function transitionJob(db: Db, request: TransitionRequest): Promise<{ from: JobState; to: JobState }> {
  return inTransaction(db, async (trx) => {
    const job = await trx
      .selectFrom('jobs')
      .select(['id', 'state'])
      .where('id', '=', request.jobId)
      .forUpdate()
      .executeTakeFirst();
    if (!job) throw new DomainError('not-found', `job ${request.jobId} does not exist`);
    const from = job.state as JobState;
    if (!isLegalTransition(from, request.to) || (request.from && !request.from.includes(from))) {
      throw new DomainError('illegal-transition', `job ${request.jobId} cannot go from ${from} to ${request.to}`, {
        state: from,
      });
    }
    await trx
      .updateTable('jobs')
      .set({ state: request.to, reason: request.reason ?? null, updated_at: sql<Date>`now()` })
      .where('id', '=', request.jobId)
      .execute();
    await trx
      .insertInto('job_events')
      .values({
        job_id: request.jobId,
        from_state: from,
        to_state: request.to,
        actor: request.actor,
        reason: request.reason ?? null,
      })
      .execute();
    return { from, to: request.to };
  });
}

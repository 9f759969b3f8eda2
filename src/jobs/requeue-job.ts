// Requeue (buildd's give-back by hand): a failed, cancelled or dep-wait job goes back to the
// queue with a fresh infrastructure-fault budget and no backoff; an archive job whose source
// could not be fetched goes back to `fetching` instead (a queued job with no files builds nothing).
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type {} from '../db/operations-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import type { JobState } from './job-states.ts';
import { transitionJob } from './transition-job.ts';

export const requeueableStates = ['failed', 'cancelled', 'dep-wait'] as const satisfies readonly JobState[];
export type RequeueableState = (typeof requeueableStates)[number];

export interface RequeueRequest {
  jobId: number;
  /** `token:<id>` */
  actor: string;
  reason: string;
}

/** Requeues one job; returns the state it left and the one it is in now. */
export async function requeueJob(db: Db, request: RequeueRequest): Promise<{ from: JobState; to: JobState }> {
  const { jobId } = request;
  return inTransaction(db, async (trx) => {
    const job = await trx.selectFrom('jobs').select(['state', 'origin']).where('id', '=', jobId).forUpdate().executeTakeFirst();
    if (!job) throw new DomainError('not-found', `job ${jobId} does not exist`);
    const from = job.state as JobState;
    if (!(requeueableStates as readonly string[]).includes(from)) {
      throw new DomainError('illegal-transition', `job ${jobId} is ${from}: only failed, cancelled and dep-wait jobs can be requeued`, {
        state: from,
      });
    }
    const { files } = await trx
      .selectFrom('job_files')
      .select(sql<number>`count(*)::int`.as('files'))
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    // An archive reference gets its files only when the fetch succeeds (in the same transaction).
    const unfetched = job.origin === 'archive' && files === 0;
    if (unfetched && from !== 'failed') {
      throw new DomainError('illegal-transition', `job ${jobId} was ${from} before its source was fetched; submit the reference again`, {
        state: from,
      });
    }
    const { last } = await trx
      .selectFrom('attempts')
      .select(sql<number>`coalesce(max(number), 0)::int`.as('last'))
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('jobs')
      .set({
        faults_counted_after: last,
        ...(unfetched ? { fetch_attempts: 0, fetch_lease_owner: null, fetch_lease_until: null } : {}),
      })
      .where('id', '=', jobId)
      .execute();
    const to: JobState = unfetched ? 'fetching' : 'queued';
    // Queued without retryAfterMs: the backoff of earlier faults (not_before) is cleared.
    await transitionJob(trx, { jobId, to, from: [from], actor: request.actor, reason: request.reason });
    return { from, to };
  });
}

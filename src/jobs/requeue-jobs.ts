// The bulk requeue an operator runs after an outage: every job matching a filter, each
// requeued as requeueJob does it (its own transaction and event); a job that changed state
// meanwhile is left out.
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import type { CauseClass } from './cause-class.ts';
import { type RequeueableState, requeueJob } from './requeue-job.ts';

export interface RequeueFilter {
  /** Default `failed`. */
  state?: RequeueableState | undefined;
  source?: string | undefined;
  /** The cause class of the failure; only failed jobs have one. */
  reasonKind?: CauseClass | undefined;
  /** Jobs that entered their state at or after this. */
  since?: Date | undefined;
}

export async function requeueJobs(db: Db, filter: RequeueFilter, action: { actor: string; reason: string }): Promise<number[]> {
  const state = filter.state ?? 'failed';
  if (filter.reasonKind && state !== 'failed') {
    throw new DomainError('invalid-input', `reasonKind selects failed jobs by the cause of their failure; ${state} jobs have none`);
  }
  let query = db.selectFrom('jobs').select('id').where('state', '=', state).orderBy('id');
  if (filter.source) query = query.where('source', '=', filter.source);
  if (filter.since) query = query.where('updated_at', '>=', filter.since);
  if (filter.reasonKind) query = query.where('cause_class', '=', filter.reasonKind);
  const requeued: number[] = [];
  for (const { id } of await query.execute()) {
    try {
      await requeueJob(db, { jobId: id, ...action });
      requeued.push(id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'illegal-transition') continue;
      throw error;
    }
  }
  return requeued;
}

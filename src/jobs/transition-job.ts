import { type Expression, sql } from 'kysely';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import type { CauseClass } from './cause-class.ts';
import { DomainError } from '../domain-error.ts';
import { isLegalTransition, type JobState } from './job-states.ts';
import { notifyJobsReady } from './jobs-ready.ts';

export interface TransitionRequest {
  jobId: number;
  to: JobState;
  /** Who asked: `token:<id>`, `scheduler`, `system`… */
  actor: string;
  reason?: string | null;
  /** Refuse unless the job is in one of these states (guards races between deciders). */
  from?: readonly JobState[];
  /** For `queued`: no claim takes the job for this long (backoff after an infrastructure fault). */
  retryAfterMs?: number;
  /** For `failed`: the class of the cause (classify-failure.ts); any other state clears it. */
  causeClass?: CauseClass;
}

/** The columns a transition writes besides the event row: the same for one job or many. */
function changedColumns(from: JobState, to: JobState, reason: string | null, retryAfterMs: number | undefined, causeClass?: CauseClass) {
  return {
    state: to,
    reason,
    cause_class: to === 'failed' ? (causeClass ?? 'other') : null,
    updated_at: sql<Date>`now()`,
    ...(to === 'queued'
      ? {
          not_before: retryAfterMs ? sql<Date>`now() + ${retryAfterMs} * interval '1 millisecond'` : null,
          // Ageing counts from queued_at. A give-back and a wake from dep-wait keep the job's
          // place in line (neither is the job's doing: it waited for an engine or for a
          // dependency); a requeue after failed or cancelled is a new request and starts over.
          ...(from === 'building' || from === 'dep-wait' ? {} : { queued_at: sql<Date>`now()` }),
        }
      : {}),
  };
}

/**
 * The only way a job changes state: checks the transition is legal and writes the job_events
 * row in the same transaction, so the history is never out of step with the job. A job that
 * becomes `queued` wakes the schedulers (NOTIFY at commit).
 */
export async function transitionJob(db: Db, request: TransitionRequest): Promise<{ from: JobState; to: JobState }> {
  return inTransaction(db, async (trx) => {
    const job = await trx.selectFrom('jobs').select(['id', 'state']).where('id', '=', request.jobId).forUpdate().executeTakeFirst();
    if (!job) throw new DomainError('not-found', `job ${request.jobId} does not exist`);
    const from = job.state as JobState;
    if (!isLegalTransition(from, request.to) || (request.from && !request.from.includes(from))) {
      throw new DomainError('illegal-transition', `job ${request.jobId} cannot go from ${from} to ${request.to}`, {
        state: from,
      });
    }
    await trx
      .updateTable('jobs')
      .set(changedColumns(from, request.to, request.reason ?? null, request.retryAfterMs, request.causeClass))
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
    if (request.to === 'queued') await notifyJobsReady(trx);
    return { from, to: request.to };
  });
}

/**
 * transitionJob for the job a subquery picks, in one statement that moves it and writes its
 * event row: the scheduler's claim. `pick` is a parenthesised subquery giving at most one job
 * id; it should lock its row (FOR UPDATE SKIP LOCKED). Compared with `=`, so it runs once
 * (`id IN (… LIMIT 1 FOR UPDATE SKIP LOCKED)` may run again per row and move several jobs).
 * The job moves only if it is still in `from`. Returns its id, or undefined when none moved.
 */
export async function transitionPickedJob(
  db: Db,
  request: { pick: Expression<number>; from: JobState; to: JobState; actor: string; reason: string | null },
): Promise<number | undefined> {
  const { from, to, actor, reason } = request;
  if (!isLegalTransition(from, to)) throw new DomainError('illegal-transition', `no job can go from ${from} to ${to}`, { state: from });
  const moved = await db
    .with('moved', (qb) =>
      qb
        .updateTable('jobs')
        .set(changedColumns(from, to, reason, undefined))
        .where('state', '=', from)
        .where('id', '=', request.pick)
        .returning('id'),
    )
    .with('events', (qb) =>
      qb
        .insertInto('job_events')
        .columns(['job_id', 'from_state', 'to_state', 'actor', 'reason'])
        .expression((eb) =>
          eb
            .selectFrom('moved')
            .select([
              'moved.id',
              sql<string>`${from}::text`.as('from_state'),
              sql<string>`${to}::text`.as('to_state'),
              sql<string>`${actor}::text`.as('actor'),
              sql<string | null>`${reason}::text`.as('reason'),
            ]),
        ),
    )
    .selectFrom('moved')
    .select('moved.id')
    .executeTakeFirst();
  if (moved && to === 'queued') await notifyJobsReady(db);
  return moved?.id;
}

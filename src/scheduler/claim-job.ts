// The claim: the best ready job (claim-order.ts) for one engine with free capacity, moved to
// `building` with an attempt leased to the claiming process, all in one transaction.
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { isLiveAttempt, openAttempt } from '../jobs/attempts.ts';
import { transitionPickedJob } from '../jobs/transition-job.ts';
import { claimOrderBy, rankedReadyJobs } from './claim-order.ts';

export interface ClaimRequest {
  engineId: string;
  /** Attempts the engine may run at once, counted over every process sharing the database. */
  capacity: number;
  /** The lease holder: this scheduler process (leaseOwner('scheduler')). */
  owner: string;
  leaseMs: number;
  ageingMs: number;
  /** The architectures the engine can build (whose image it has). */
  arches: readonly string[];
}

export interface ClaimedAttempt {
  jobId: number;
  /** The architecture the job builds for. */
  arch: string;
  attempt: number;
  engineId: string;
  owner: string;
}

/**
 * Claims the next job for the engine, or none when the engine is drained, at capacity, or
 * nothing is ready. Claimers of one engine queue on its `engines` row, so each counts the
 * attempts the one before it committed (every statement reads a fresh snapshot under READ
 * COMMITTED) and an engine never runs more than its capacity; claimers of different engines
 * pass each other (SKIP LOCKED) and never take the same job.
 */
export async function claimNextJob(db: Db, request: ClaimRequest): Promise<ClaimedAttempt | undefined> {
  const { engineId, capacity, owner } = request;
  return inTransaction(db, async (trx) => {
    const lockEngine = () => trx.selectFrom('engines').select('drained').where('id', '=', engineId).forUpdate().executeTakeFirst();
    let engine = await lockEngine();
    if (!engine) {
      await trx
        .insertInto('engines')
        .values({ id: engineId })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      engine = await lockEngine();
    }
    if (!engine || engine.drained) return undefined;

    // The ready jobs are ranked once (an array), then locked in that order, skipping those
    // another claimer holds: a plan that stays cheap whatever the table statistics say.
    const jobId = await transitionPickedJob(trx, {
      pick: sql<number>`(
        select j.id
        from unnest(array(
          select ranked.id from ${rankedReadyJobs(request.ageingMs)} ranked order by ${claimOrderBy('ranked')}
        )) with ordinality as candidate (id, place)
        join jobs j on j.id = candidate.id
        where j.state = 'queued'
          and j.arch = any(${[...request.arches]}::text[])
          and (select count(*) from attempts
               where engine_id = ${engineId} and ${isLiveAttempt()}) < ${capacity}
          -- An engine the job met an engine fault on waits twice the backoff, so another
          -- engine gets it first (buildd's give-back blacklist); a lone engine still gets it.
          and not exists (
            select 1 from attempts fault
            where fault.job_id = j.id and fault.engine_id = ${engineId}
              and fault.state = 'infrastructure' and fault.reason = 'engine'
              and j.not_before is not null
              and now() < j.not_before + (j.not_before - (select max(latest.finished_at) from attempts latest where latest.job_id = j.id))
          )
        order by candidate.place
        limit 1
        for update of j skip locked
      )`,
      from: 'queued',
      to: 'building',
      actor: 'scheduler',
      reason: `building on engine ${engineId}`,
    });
    if (jobId === undefined) return undefined;
    const attempt = await openAttempt(trx, jobId, engineId, { owner, leaseMs: request.leaseMs });
    const { arch } = await trx.selectFrom('jobs').select('arch').where('id', '=', jobId).executeTakeFirstOrThrow();
    // Fair share: the token's usage decays (halves every ageing period) and grows by one.
    await sql`
      insert into token_claims (token_id, last_claim_at, usage)
      select submitted_by, now(), 1 from jobs where id = ${jobId}
      on conflict (token_id) do update set
        usage = token_claims.usage
          * power(0.5, extract(epoch from now() - token_claims.last_claim_at) * 1000 / ${request.ageingMs}::float8) + 1,
        last_claim_at = now()`.execute(trx);
    return { jobId, arch, attempt, engineId, owner };
  });
}

// The order in which the scheduler takes ready jobs, in one place, so "how many jobs are ahead
// of this one" (explain-job.ts) counts the way the claim (claim-job.ts) actually chooses.
//
// Each ready job has an effective priority, in priority points:
//
//   priority                                  (admin-set, default 0)
//   + time waited in the queue / AGEING       (ageing: one point per SCHEDULER_AGEING, default 1 h)
//   − attempts its token runs now             (fair share: running attempts of the submitter …)
//   − jobs of its token ahead of it           (… its own backlog, so tokens take turns …)
//   − claims of its token, halving per AGEING (… and how much it was served lately)
//
// Highest first; ties go to the token served least recently, then the oldest job. A bulk
// submitter's 300 jobs therefore take turns with another token's single job (which is
// claimed within a claim or two), an admin's priority counts as hours of waiting or jobs of
// fair share, and nothing starves: everything but the waiting term is bounded, and waiting
// grows without bound. Within one token, jobs go by priority plus ageing, oldest first.
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import { isLiveAttempt } from '../jobs/attempts.ts';

/** SCHEDULER_AGEING's default; what explain-job uses when it is not told otherwise. */
export const DEFAULT_AGEING_MS = 3_600_000;

/** A job as the claim order sees it. */
export interface ClaimPosition {
  id: number;
  /** Not needed any more (the order is computed in SQL); kept for callers that pass it. */
  priority?: number;
}

/** `jobs` rows a claim may take now: queued, and not backing off. */
export function isReadyToClaim(): Expression<SqlBool> {
  return sql<SqlBool>`(jobs.state = 'queued' and (jobs.not_before is null or jobs.not_before <= now()))`;
}

/**
 * The ready jobs with the keys of the order, as a parenthesised subquery for a FROM clause:
 * columns id, submitted_by, queued_at, effective (the effective priority), last_claim_at.
 */
export function rankedReadyJobs(ageingMs: number = DEFAULT_AGEING_MS): RawBuilder<unknown> {
  const hoursWaited = (column: RawBuilder<unknown>) => sql`(extract(epoch from now() - ${column}) * 1000 / ${ageingMs}::float8)`;
  return sql`(
    select ready.id, ready.submitted_by, ready.queued_at, ready.last_claim_at,
           ready.aged
             - coalesce(running.n, 0)
             - (row_number() over (partition by ready.submitted_by order by ready.aged desc, ready.queued_at, ready.id) - 1)
             - ready.usage
             as effective
    from (
      select jobs.id, jobs.submitted_by, jobs.queued_at, token_claims.last_claim_at,
             jobs.priority + ${hoursWaited(sql`jobs.queued_at`)} as aged,
             coalesce(token_claims.usage * power(0.5, ${hoursWaited(sql`token_claims.last_claim_at`)}), 0) as usage
      from jobs
      left join token_claims on token_claims.token_id = jobs.submitted_by
      where ${isReadyToClaim()}
    ) ready
    left join (
      select owner_job.submitted_by, count(*) as n
      from attempts
      join jobs owner_job on owner_job.id = attempts.job_id
      where ${isLiveAttempt()}
      group by owner_job.submitted_by
    ) running on running.submitted_by = ready.submitted_by
  )`;
}

/** ORDER BY of the claim, over rankedReadyJobs() named `alias`. */
export function claimOrderBy(alias: string): RawBuilder<unknown> {
  const r = sql.ref(alias);
  return sql`${r}.effective desc, ${r}.last_claim_at asc nulls first, ${r}.queued_at, ${r}.id`;
}

/** `jobs` rows the claim order puts before `job` (both ready). */
export function isClaimedBefore(job: ClaimPosition, ageingMs: number = DEFAULT_AGEING_MS): Expression<SqlBool> {
  // One pass over the ranking: the rows before the first one that is `job` (none when it is not ready).
  const isMine = sql`ranked.id = ${job.id}`;
  return sql<SqlBool>`jobs.id in (
    select ordered.id from (
      select ranked.id,
             count(*) filter (where ${isMine}) over (order by ${claimOrderBy('ranked')} rows between unbounded preceding and current row) as mine_seen,
             count(*) filter (where ${isMine}) over () as mine_ready
      from ${rankedReadyJobs(ageingMs)} ranked
    ) ordered
    where ordered.mine_seen = 0 and ordered.mine_ready = 1
  )`;
}

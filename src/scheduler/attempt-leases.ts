// The leases of build attempts (migration 0005): renewed by the process that runs the attempt
// (and, once built, publishes its job); an attempt whose lease ran out is given back by any
// scheduler that sees it, and a publication whose lease ran out is taken over.
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { isLiveAttempt } from '../jobs/attempts.ts';
import { leaseHeld, leaseRunOut, leaseUntil } from '../jobs/lease.ts';
import type { ClaimedAttempt } from './claim-job.ts';
import { type FaultPolicy, recordInfrastructureFault } from './infrastructure-faults.ts';

/**
 * Extends the lease of an attempt we hold; false once it is not ours to extend: the lease ran
 * out (someone may have given the job back), or the job left building/publishing (cancelled).
 */
export async function renewAttemptLease(db: Db, attempt: ClaimedAttempt, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('attempts')
    .set({ lease_until: leaseUntil(leaseMs) })
    .where('job_id', '=', attempt.jobId)
    .where('number', '=', attempt.attempt)
    .where('lease_owner', '=', attempt.owner)
    .where('state', 'in', ['running', 'built'])
    .where(leaseHeld('lease_until'))
    .where((eb) =>
      eb.exists(
        eb.selectFrom('jobs').select('jobs.id').where('jobs.id', '=', attempt.jobId).where('jobs.state', 'in', ['building', 'publishing']),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** `job.attempt` of every running attempt whose lease has not run out: what may have containers. */
export async function listLiveAttempts(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('attempts').select(['job_id', 'number']).where(isLiveAttempt()).execute();
  return new Set(rows.map((r) => `${r.job_id}.${r.number}`));
}

export interface ExpiredAttempt {
  jobId: number;
  attempt: number;
  engineId: string;
  owner: string | null;
  /** What became of the job: queued again, or failed when its attempts are used up. */
  jobState: string | null;
}

/**
 * Gives back the jobs of running attempts whose lease ran out (their process or engine is
 * gone): the attempt becomes `infrastructure` (reason lease-expired), the job goes back to
 * `queued` (actor scheduler, reason "lease expired …") unless that was its last allowed
 * attempt. One attempt per transaction; concurrent sweepers skip each other's rows.
 */
export async function expireAttemptLeases(db: Db, policy: FaultPolicy): Promise<ExpiredAttempt[]> {
  const expired: ExpiredAttempt[] = [];
  for (;;) {
    const one = await inTransaction(db, async (trx) => {
      const row = await trx
        .selectFrom('attempts')
        .select(['job_id', 'number', 'engine_id', 'lease_owner'])
        .where('state', '=', 'running')
        .where(leaseRunOut('lease_until'))
        .orderBy('lease_until')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return undefined;
      const attempt = { jobId: row.job_id, attempt: row.number, engineId: row.engine_id };
      const holder = row.lease_owner ?? 'a service without leases';
      const jobState = await recordInfrastructureFault(trx, attempt, policy, {
        kind: 'lease-expired',
        message: `lease expired: attempt ${row.number} on engine ${row.engine_id}, held by ${holder}, was not renewed`,
      });
      return { ...attempt, owner: row.lease_owner, jobState } satisfies ExpiredAttempt;
    });
    if (!one) return expired;
    expired.push(one);
  }
}

/**
 * Takes over one publication whose lease ran out (its process died after the build): the
 * latest built attempt of a `publishing` job is leased to `owner`, who publishes it.
 */
export async function takeStalledPublication(db: Db, owner: string, leaseMs: number): Promise<ClaimedAttempt | undefined> {
  const { rows } = await sql<{ job_id: number; number: number; engine_id: string; arch: string }>`
    update attempts set lease_owner = ${owner}, lease_until = ${leaseUntil(leaseMs)}
    where (job_id, number) = (
      select a.job_id, a.number
      from attempts a join jobs j on j.id = a.job_id
      where j.state = 'publishing' and a.state = 'built'
        and ${leaseRunOut('a.lease_until')}
        and a.number = (select max(b.number) from attempts b where b.job_id = a.job_id and b.state = 'built')
      order by a.job_id
      limit 1
      for update of a skip locked
    )
    returning job_id, number, engine_id, (select arch from jobs where id = attempts.job_id) as arch`.execute(db);
  const row = rows[0];
  return row ? { jobId: row.job_id, arch: row.arch, attempt: row.number, engineId: row.engine_id, owner } : undefined;
}

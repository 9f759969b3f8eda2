// The fetcher's hold on a `fetching` job (columns of migration 0003): one statement claims,
// the holder renews while it works, and a lease that runs out frees the job for anyone.
import { sql } from 'kysely';
import type { Db } from '../../db/in-transaction.ts';
import { leaseRunOut, leaseUntil } from '../lease.ts';

export interface ClaimedFetchJob {
  id: number;
  source: string;
  /** The architecture it is to be built for. */
  arch: string;
  /** The version asked for; null for the newest. */
  version: string | null;
  suite: string | null;
  /** Claims so far, this one included. */
  attempts: number;
  owner: string;
}

/**
 * Claims the next `fetching` job nobody holds (or whose holder's lease ran out), highest
 * priority first. SKIP LOCKED lets concurrent claimers pass each other; each gets a different
 * job or none.
 */
export async function claimFetchJob(db: Db, owner: string, leaseMs: number): Promise<ClaimedFetchJob | undefined> {
  const row = await db
    .updateTable('jobs')
    .set({
      fetch_lease_owner: owner,
      fetch_lease_until: leaseUntil(leaseMs),
      fetch_attempts: sql<number>`fetch_attempts + 1`,
    })
    .where('id', '=', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'fetching')
        .where(leaseRunOut('fetch_lease_until'))
        .orderBy('priority', 'desc')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'source', 'arch', 'version', 'suite', 'fetch_attempts'])
    .executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, source: row.source, arch: row.arch, version: row.version, suite: row.suite, attempts: row.fetch_attempts, owner };
}

/** Extends the lease; false when the job is no longer ours (cancelled, or the lease was lost). */
export async function renewFetchLease(db: Db, job: ClaimedFetchJob, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ fetch_lease_until: leaseUntil(leaseMs) })
    .where('id', '=', job.id)
    .where('state', '=', 'fetching')
    .where('fetch_lease_owner', '=', job.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Gives the job back without a result. `retryAfterMs` keeps it from being claimed again at
 * once (after an unexpected error); `countAttempt: false` takes back the claim's attempt
 * (a clean stop is not the job's fault).
 */
export async function releaseFetchJob(
  db: Db,
  job: ClaimedFetchJob,
  options: { retryAfterMs?: number; countAttempt: boolean },
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      fetch_lease_owner: null,
      fetch_lease_until: options.retryAfterMs ? leaseUntil(options.retryAfterMs) : null,
      fetch_attempts: options.countAttempt ? sql<number>`fetch_attempts` : sql<number>`greatest(fetch_attempts - 1, 0)`,
    })
    .where('id', '=', job.id)
    .where('state', '=', 'fetching')
    .where('fetch_lease_owner', '=', job.owner)
    .execute();
}

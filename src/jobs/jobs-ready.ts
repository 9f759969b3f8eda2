// The wake-up of every scheduler sharing the database: NOTIFY when a job becomes claimable
// (submitted queued, requeued, given back) or an attempt ends (capacity freed). It is only a
// hint: the claim decides, and each scheduler polls as a backstop.
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';

export const JOBS_READY_CHANNEL = 'stubbuild_jobs_ready';

/** Sent at commit when `db` is a transaction (Postgres folds repeats within one transaction). */
export async function notifyJobsReady(db: Db): Promise<void> {
  await sql`select pg_notify(${JOBS_READY_CHANNEL}, '')`.execute(db);
}

// The wake-up of the service process that runs a cancelled job's attempt: it stops the
// container at once instead of at its next heartbeat (which would notice too: the lease of an
// attempt whose job left `building` cannot be renewed).
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';

export const JOB_CANCELLED_CHANNEL = 'stubbuild_job_cancelled';

/** Sent at commit when `db` is a transaction; the payload is the job id. */
export async function notifyJobCancelled(db: Db, jobId: number): Promise<void> {
  await sql`select pg_notify(${JOB_CANCELLED_CHANNEL}, ${String(jobId)})`.execute(db);
}

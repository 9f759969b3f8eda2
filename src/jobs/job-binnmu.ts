import type {} from '../db/dependency-tables.ts';
import type { Db } from '../db/in-transaction.ts';

/** What an attempt of the job passes to the builder for a binNMU rebuild (AttemptRequest.binNmu). */
export async function binNmuOf(db: Db, jobId: number): Promise<{ binNmu?: number }> {
  const row = await db.selectFrom('jobs').select('binnmu').where('id', '=', jobId).executeTakeFirst();
  return row?.binnmu ? { binNmu: row.binnmu } : {};
}

// The installation's id (migration 0013): made by the first process that asks, the same for
// every replica on the database after that.
import type { ColumnType } from 'kysely';
import type { Db } from './in-transaction.ts';

export interface InstallationTable {
  singleton: ColumnType<boolean, boolean | undefined, never>;
  id: ColumnType<string, string | undefined, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module './schema.ts' {
  interface Database {
    installation: InstallationTable;
  }
}

/** Inserts the row if none exists (replicas starting together: one insert wins), then reads it. */
export async function readInstallationId(db: Db): Promise<string> {
  await db
    .insertInto('installation')
    .defaultValues()
    .onConflict((oc) => oc.column('singleton').doNothing())
    .execute();
  const row = await db.selectFrom('installation').select('id').executeTakeFirstOrThrow();
  return row.id;
}

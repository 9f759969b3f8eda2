import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, openDatabase } from '../../src/db/open-database.ts';
import { createMigratedServerDatabase, migratedPgliteImage } from './migrated-template.ts';
import { createServerDatabase, dropLeftoverDatabases, dropServerDatabase } from './server-database.ts';

const PREFIX = 'stubbuild_test_';
let leftoversDropped: Promise<unknown> | undefined;

/**
 * A migrated database of its own for one test file: a fresh database on the PostgreSQL server
 * of DATABASE_URL (dropped on close; those of killed runs are dropped by the next), or an
 * in-memory PGlite when DATABASE_URL is unset. Migrated ones are copies of a migrated template.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<DatabaseHandle & { url?: string }> {
  const migrate = options.migrate ?? true;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    return openDatabase({ dataDir: 'memory://', memoryImage: migrate ? await migratedPgliteImage() : undefined });
  }
  leftoversDropped ??= dropLeftoverDatabases(serverUrl, PREFIX);
  await leftoversDropped;
  const name = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = migrate ? await createMigratedServerDatabase(serverUrl, name) : await createServerDatabase(serverUrl, name);
  const handle = await openDatabase({ databaseUrl: url, dataDir: 'unused' });
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      await dropServerDatabase(serverUrl, name);
    },
  };
}

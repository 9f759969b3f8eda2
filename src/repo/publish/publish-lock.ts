// The lock that makes publications and garbage collection of one suite take turns: across
// replicas a Postgres advisory lock, on PGlite (one process) the publisher's own queue.
import { sql } from 'kysely';
import type { Db } from '../../db/in-transaction.ts';

/** 'advisory' on PostgreSQL (replicas share the database); 'in-process' on PGlite. */
export type PublishLockMode = 'advisory' | 'in-process';

// Two-key advisory lock: a constant class for stubbuild's repository, the suite's hash.
const LOCK_CLASS = 0x53425250; // "SBRP"

/**
 * Runs `fn` holding the suite's publication lock. On Postgres the lock is a session lock on
 * a connection reserved for `fn` (it goes away with the connection if the process dies).
 */
export async function withPublishLock<T>(db: Db, mode: PublishLockMode, suite: string, fn: (conn: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) throw new Error('publishing needs the database itself, not a transaction: commit first');
  if (mode === 'in-process') return fn(db);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${LOCK_CLASS}::int, hashtext(${suite}))`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`select pg_advisory_unlock(${LOCK_CLASS}::int, hashtext(${suite}))`.execute(conn);
    }
  });
}

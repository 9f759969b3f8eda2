// The first admin token is made once, however many replicas start together on one database:
// the look for a usable admin token and the insert take turns under an advisory lock held to
// the end of the transaction (on PGlite, one process, the lock is uncontended).
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { createToken, hasUsableAdminToken, type TokenInfo } from './tokens.ts';

const LOCK_CLASS = 0x53424154; // "SBAT"

/** A new admin token when none is usable, else undefined (another process made one, or an admin exists). */
export async function createFirstAdminToken(db: Db): Promise<(TokenInfo & { token: string }) | undefined> {
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_CLASS}::int, 0)`.execute(trx);
    if (await hasUsableAdminToken(trx)) return undefined;
    return createToken(trx, { role: 'admin', name: 'first admin (created by serve)' });
  });
}

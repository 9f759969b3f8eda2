// The receivers of job state changes: added through the API or the WEBHOOKS setting. Each
// job_events row becomes one delivery per webhook in the same transaction (migration 0011's
// trigger); webhook-sender.ts sends them.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type {} from '../db/operations-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';

export interface Webhook {
  id: string;
  url: string;
  origin: 'api' | 'config';
  createdAt: Date;
  /** Deliveries not yet made (waiting, or retried after a failure). */
  pending: number;
  /** Why the latest failed try failed, while deliveries are pending. */
  lastError: string | null;
}

/** A new secret: 192 random bits. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** Adds a webhook; the secret (generated when absent) is returned here only. */
export async function createWebhook(
  db: Db,
  input: { url: string; secret?: string | undefined; createdBy: string | null },
): Promise<{ id: string; url: string; secret: string; createdAt: Date }> {
  const secret = input.secret ?? newSecret();
  const row = await db
    .insertInto('webhooks')
    .values({ id: randomUUID(), url: input.url, secret, origin: 'api', created_by: input.createdBy })
    .returning(['id', 'url', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, url: row.url, secret, createdAt: row.created_at };
}

export async function listWebhooks(db: Db): Promise<Webhook[]> {
  const rows = await db
    .selectFrom('webhooks as w')
    .select([
      'w.id',
      'w.url',
      'w.origin',
      'w.created_at',
      sql<number>`(select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.state = 'pending')`.as('pending'),
      sql<
        string | null
      >`(select d.last_error from webhook_deliveries d where d.webhook_id = w.id and d.state = 'pending' and d.last_error is not null order by d.next_attempt_at desc limit 1)`.as(
        'last_error',
      ),
    ])
    .orderBy('w.created_at')
    .orderBy('w.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    origin: r.origin,
    createdAt: r.created_at,
    pending: r.pending,
    lastError: r.last_error,
  }));
}

/** Removes a webhook and its pending deliveries. A configured one returns at the next start. */
export async function deleteWebhook(db: Db, id: string): Promise<void> {
  const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new DomainError('not-found', `webhook ${id} does not exist`);
}

/**
 * Makes the configured webhooks (WEBHOOKS) those of origin `config`: new ones added, secrets
 * updated, those no longer listed removed. Every process starting with the list does the same.
 */
export async function syncConfiguredWebhooks(db: Db, configured: readonly { url: string; secret: string }[]): Promise<void> {
  await inTransaction(db, async (trx) => {
    for (const hook of configured) {
      await trx
        .insertInto('webhooks')
        .values({ id: randomUUID(), url: hook.url, secret: hook.secret, origin: 'config', created_by: null })
        .onConflict((oc) => oc.column('url').where('origin', '=', 'config').doUpdateSet({ secret: hook.secret }))
        .execute();
    }
    let stale = trx.deleteFrom('webhooks').where('origin', '=', 'config');
    if (configured.length > 0)
      stale = stale.where(
        'url',
        'not in',
        configured.map((h) => h.url),
      );
    await stale.execute();
  });
}

// Idempotency-Key for submissions (jobs and batches): the first request with a key claims it
// and records what it created; a retry with the same key and the same request gets that
// again; the same key for a different request is a conflict.
import type { Transaction } from 'kysely';
import type {} from '../db/dependency-tables.ts';
import type { Database } from '../db/schema.ts';
import { DomainError } from '../domain-error.ts';

export interface IdempotencyClaim {
  tokenId: string;
  key: string;
  /** hashRequest() of what the request asked for. */
  requestHash: string;
  /** What the request creates: a job or a batch. */
  creates: 'job_id' | 'batch_id';
}

/**
 * Claims the key inside the submission's transaction. Returns the id an earlier request with
 * this key created, or undefined when this request claimed it (call recordIdempotentResult
 * once it has created its job or batch, in the same transaction). A concurrent request with
 * the same key blocks on the primary key until the first commits, then sees its result.
 */
export async function claimIdempotencyKey(trx: Transaction<Database>, claim: IdempotencyClaim): Promise<number | undefined> {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ token_id: claim.tokenId, key: claim.key, request_hash: claim.requestHash })
    .onConflict((oc) => oc.doNothing())
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  const earlier = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'job_id', 'batch_id'])
    .where('token_id', '=', claim.tokenId)
    .where('key', '=', claim.key)
    .executeTakeFirstOrThrow();
  const created = earlier[claim.creates];
  if (earlier.request_hash !== claim.requestHash || created === null) {
    throw new DomainError('idempotency-conflict', 'this Idempotency-Key was already used for a different request');
  }
  return created;
}

/** Records the job or batch the request that claimed the key created. */
export async function recordIdempotentResult(trx: Transaction<Database>, claim: IdempotencyClaim, id: number): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ [claim.creates]: id })
    .where('token_id', '=', claim.tokenId)
    .where('key', '=', claim.key)
    .execute();
}

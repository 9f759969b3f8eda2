import type { Db } from '../db/in-transaction.ts';
import type { Job } from './job.ts';
import { hashRequest } from './request-hash.ts';
import { submitJob } from './submit-job.ts';

export interface ArchiveReference {
  source: string;
  version?: string | undefined;
  suite?: string | undefined;
}

export const defaultSuite = 'bookworm';

/** Records a job for a source package in a Debian archive; it starts `fetching`. */
export async function submitArchiveReference(
  db: Db,
  input: { tokenId: string; reference: ArchiveReference; idempotencyKey?: string | undefined },
): Promise<{ job: Job; created: boolean }> {
  const { source, version, suite = defaultSuite } = input.reference;
  return submitJob(db, {
    tokenId: input.tokenId,
    job: { origin: 'archive', source, version: version ?? null, suite, files: [], state: 'fetching' },
    idempotency: input.idempotencyKey
      ? { key: input.idempotencyKey, requestHash: hashRequest('archive', [source, version ?? '', suite]) }
      : undefined,
  });
}

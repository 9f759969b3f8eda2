import type {} from '../db/build-tables.ts';
import type {} from '../db/dependency-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import type { JobState } from './job-states.ts';

export interface BatchMemberView {
  jobId: number;
  origin: 'upload' | 'archive';
  source: string;
  version: string | null;
  state: JobState;
  reason: string | null;
  /** For dep-wait: what it waits for (another member's binaries, or what apt missed). */
  unmetRelations: string[];
}

export interface Batch {
  id: number;
  submittedBy: string;
  createdAt: Date;
  /** In the order they were recorded: every member after the members it waited for. */
  members: BatchMemberView[];
}

export async function getBatch(db: Db, id: number): Promise<Batch> {
  const batch = await db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst();
  if (!batch) throw new DomainError('not-found', `batch ${id} does not exist`);
  const jobs = await db
    .selectFrom('jobs')
    .select(['id', 'origin', 'source', 'version', 'state', 'reason', 'unmet_relations'])
    .where('batch_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    id: batch.id,
    submittedBy: batch.submitted_by,
    createdAt: batch.created_at,
    members: jobs.map((j) => ({
      jobId: j.id,
      origin: j.origin,
      source: j.source,
      version: j.version,
      state: j.state as JobState,
      reason: j.reason,
      unmetRelations: j.unmet_relations,
    })),
  };
}

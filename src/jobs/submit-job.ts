import type { Transaction } from 'kysely';
import type {} from '../db/build-tables.ts';
import type {} from '../db/dependency-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import type { Database } from '../db/schema.ts';
import { getJob } from './get-job.ts';
import { claimIdempotencyKey, recordIdempotentResult } from './idempotency-key.ts';
import type { Job, JobFile } from './job.ts';
import type { JobState } from './job-states.ts';
import { notifyJobsReady } from './jobs-ready.ts';
import { supersedeOlderJobs } from './supersede-older.ts';

export interface NewJob {
  origin: 'upload' | 'archive';
  source: string;
  version: string | null;
  suite: string | null;
  /** The architecture it builds for (one the service builds: resolveBuildArch). */
  arch: string;
  binaries?: string[];
  buildDepends?: string;
  buildDependsArch?: string;
  files: JobFile[];
  /** fetching for an archive reference, queued for a verified upload, dep-wait for a batch member (DESIGN.md). */
  state: Extract<JobState, 'fetching' | 'queued' | 'dep-wait'>;
  /** For `dep-wait`: the relations it waits for (src/scheduler/dep-wait.ts). */
  unmetRelations?: string[];
  batchId?: number;
  /** Binary names an admin lets this job take over from another source (build-ownership.ts). */
  allowTakeover?: string[];
  /** A binNMU rebuild: N of `+bN`, and the published job it rebuilds. */
  binNmu?: number;
  rebuildOf?: number;
}

export interface Submission {
  tokenId: string;
  job: NewJob;
  /** With a key, a retry of the same request returns the first job instead of a second one. */
  idempotency?: { key: string; requestHash: string } | undefined;
  /** Who the creation event names; `token:<tokenId>` by default. */
  actor?: string;
  /** The creation event's reason; `submitted` by default. */
  reason?: string;
}

async function insertJob(trx: Transaction<Database>, submission: Submission): Promise<number> {
  const { tokenId, job } = submission;
  const { id } = await trx
    .insertInto('jobs')
    .values({
      state: job.state,
      origin: job.origin,
      source: job.source,
      version: job.version,
      suite: job.suite,
      arch: job.arch,
      binaries: job.binaries ?? [],
      build_depends: job.buildDepends ?? '',
      build_depends_arch: job.buildDependsArch ?? '',
      submitted_by: tokenId,
      reason: submission.reason ?? null,
      unmet_relations: job.unmetRelations ?? [],
      batch_id: job.batchId ?? null,
      binnmu: job.binNmu ?? null,
      rebuild_of: job.rebuildOf ?? null,
      allow_takeover: job.allowTakeover ?? [],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (job.files.length > 0) {
    await trx
      .insertInto('job_files')
      .values(job.files.map((f) => ({ job_id: id, name: f.name, sha256: f.sha256, size: f.size })))
      .execute();
  }
  await trx
    .insertInto('job_events')
    .values({
      job_id: id,
      from_state: null,
      to_state: job.state,
      actor: submission.actor ?? `token:${tokenId}`,
      reason: submission.reason ?? 'submitted',
    })
    .execute();
  // In the same transaction: the older versions it replaces never build.
  if (job.version !== null)
    await supersedeOlderJobs(trx, { jobId: id, source: job.source, arch: job.arch, version: job.version, binnmu: job.binNmu });
  if (job.state === 'queued') await notifyJobsReady(trx);
  return id;
}

/** Records a new job, or returns the job an earlier request with the same idempotency key made. */
export async function submitJob(db: Db, submission: Submission): Promise<{ job: Job; created: boolean }> {
  return inTransaction(db, async (trx) => {
    const { idempotency, tokenId } = submission;
    const claim = idempotency && { tokenId, key: idempotency.key, requestHash: idempotency.requestHash, creates: 'job_id' as const };
    if (claim) {
      const earlier = await claimIdempotencyKey(trx, claim);
      if (earlier !== undefined) return { job: await getJob(trx, earlier), created: false };
    }
    const id = await insertJob(trx, submission);
    if (claim) await recordIdempotentResult(trx, claim, id);
    return { job: await getJob(trx, id), created: true };
  });
}

import type {} from '../db/dependency-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { compareVersions } from '../debian/version.ts';
import { transitionJob } from './transition-job.ts';

/** The version a job's binaries get: the source version, or `<version>+bN` for a binNMU. */
export function effectiveVersion(version: string, binnmu: number | null | undefined): string {
  return binnmu ? `${version}+b${binnmu}` : version;
}

/**
 * A newer version of a source makes its older jobs for the same architecture that have not started pointless: those
 * `queued` or `dep-wait` are cancelled, naming the job that replaces them. Only the submitter's
 * own jobs are superseded (an admin's submission supersedes anyone's): one token must not
 * cancel another's builds. Call it in the transaction that records the newer job. Returns the
 * ids cancelled.
 */
export async function supersedeOlderJobs(
  db: Db,
  newer: { jobId: number; source: string; arch: string; version: string; binnmu?: number | null | undefined },
): Promise<number[]> {
  const version = effectiveVersion(newer.version, newer.binnmu);
  const submitter = await db
    .selectFrom('jobs')
    .innerJoin('api_tokens', 'api_tokens.id', 'jobs.submitted_by')
    .select(['jobs.submitted_by as tokenId', 'api_tokens.role'])
    .where('jobs.id', '=', newer.jobId)
    .executeTakeFirstOrThrow();
  let query = db
    .selectFrom('jobs')
    .select(['id', 'version', 'binnmu'])
    .where('source', '=', newer.source)
    .where('arch', '=', newer.arch)
    .where('state', 'in', ['queued', 'dep-wait'])
    .where('id', '!=', newer.jobId)
    .where('version', 'is not', null);
  if (submitter.role !== 'admin') query = query.where('submitted_by', '=', submitter.tokenId);
  const candidates = await query.orderBy('id').forUpdate().execute();
  const cancelled: number[] = [];
  for (const job of candidates) {
    if (compareVersions(effectiveVersion(job.version!, job.binnmu), version) >= 0) continue;
    await transitionJob(db, {
      jobId: job.id,
      to: 'cancelled',
      from: ['queued', 'dep-wait'],
      actor: 'scheduler',
      reason: `superseded by ${version} (job ${newer.jobId})`,
    });
    cancelled.push(job.id);
  }
  return cancelled;
}

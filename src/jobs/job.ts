import type { Selectable } from 'kysely';
import type {} from '../db/dependency-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import type { JobsTable } from '../db/schema.ts';
import type { CauseClass } from './cause-class.ts';
import type { JobState } from './job-states.ts';

export interface JobFile {
  name: string;
  sha256: string;
  size: number;
}

export interface JobEvent {
  from: JobState | null;
  to: JobState;
  actor: string;
  reason: string | null;
  at: Date;
}

export interface Job {
  id: number;
  state: JobState;
  origin: 'upload' | 'archive';
  source: string;
  version: string | null;
  suite: string | null;
  /** The architecture it builds for. */
  arch: string;
  binaries: string[];
  buildDepends: string;
  buildDependsArch: string;
  priority: number;
  /** The batch it was submitted in. */
  batchId: number | null;
  /** N of a binNMU rebuild (binaries versioned `<version>+bN`). */
  binNmu: number | null;
  /** The published job this binNMU rebuilds. */
  rebuildOf: number | null;
  /** Binary names an admin let this job take over from another source. */
  allowTakeover: string[];
  /** For a failed job: the class of the cause (the reason says `<class>: <first error line>`). */
  causeClass: CauseClass | null;
  reason: string | null;
  submittedBy: string;
  createdAt: Date;
  updatedAt: Date;
  files: JobFile[];
}

function toJob(row: Selectable<JobsTable>, files: JobFile[]): Job {
  return {
    id: row.id,
    state: row.state as JobState,
    origin: row.origin,
    source: row.source,
    version: row.version,
    suite: row.suite,
    arch: row.arch,
    binaries: row.binaries,
    buildDepends: row.build_depends,
    buildDependsArch: row.build_depends_arch,
    priority: row.priority,
    batchId: row.batch_id,
    binNmu: row.binnmu,
    rebuildOf: row.rebuild_of,
    allowTakeover: row.allow_takeover,
    causeClass: row.cause_class as CauseClass | null,
    reason: row.reason,
    submittedBy: row.submitted_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    files,
  };
}

/** Turns job rows into jobs with their files, in one query for the files of all of them. */
export async function attachFiles(db: Db, rows: Selectable<JobsTable>[]): Promise<Job[]> {
  if (rows.length === 0) return [];
  const files = await db
    .selectFrom('job_files')
    .select(['job_id', 'name', 'sha256', 'size'])
    .where(
      'job_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('job_id')
    .orderBy('name')
    .execute();
  const byJob = new Map<number, JobFile[]>();
  for (const f of files) {
    const list = byJob.get(f.job_id) ?? [];
    list.push({ name: f.name, sha256: f.sha256, size: f.size });
    byJob.set(f.job_id, list);
  }
  return rows.map((row) => toJob(row, byJob.get(row.id) ?? []));
}

import type { Selectable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
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

/** What a list of jobs shows of each: what it is and where it stands. */
export interface JobSummary {
  id: number;
  state: JobState;
  origin: 'upload' | 'archive';
  source: string;
  version: string | null;
  suite: string | null;
  /** The architecture it builds for. */
  arch: string;
  priority: number;
  /** The batch it was submitted in. */
  batchId: number | null;
  /** N of a binNMU rebuild (binaries versioned `<version>+bN`). */
  binNmu: number | null;
  /** The published job this binNMU rebuilds. */
  rebuildOf: number | null;
  /** For a failed job: the class of the cause (the reason says `<class>: <first error line>`). */
  causeClass: CauseClass | null;
  reason: string | null;
  submittedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A job with what its source declares and the files stored for it. */
export interface Job extends JobSummary {
  binaries: string[];
  buildDepends: string;
  buildDependsArch: string;
  /** Binary names an admin let this job take over from another source. */
  allowTakeover: string[];
  files: JobFile[];
}

// What a job summary shows; the other columns (leases, provenance, …) are not read for it.
const summaryColumns = [
  'id',
  'state',
  'origin',
  'source',
  'version',
  'suite',
  'arch',
  'priority',
  'batch_id',
  'binnmu',
  'rebuild_of',
  'cause_class',
  'reason',
  'submitted_by',
  'created_at',
  'updated_at',
] as const satisfies (keyof JobsTable)[];

const jobColumns = [
  ...summaryColumns,
  'binaries',
  'build_depends',
  'build_depends_arch',
  'allow_takeover',
] as const satisfies (keyof JobsTable)[];

type SummaryRow = Pick<Selectable<JobsTable>, (typeof summaryColumns)[number]>;

/** A row of selectJobSummaries as a summary. */
export function toJobSummary(row: SummaryRow): JobSummary {
  return {
    id: row.id,
    state: row.state as JobState,
    origin: row.origin,
    source: row.source,
    version: row.version,
    suite: row.suite,
    arch: row.arch,
    priority: row.priority,
    batchId: row.batch_id,
    binNmu: row.binnmu,
    rebuildOf: row.rebuild_of,
    causeClass: row.cause_class as CauseClass | null,
    reason: row.reason,
    submittedBy: row.submitted_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Job rows as summaries: the jobs table alone, no stored files. */
export function selectJobSummaries(db: Db) {
  return db.selectFrom('jobs').select(summaryColumns.map((c) => `jobs.${c}` as const));
}

/** A row of selectJobs as a job. */
export function toJob(row: Pick<Selectable<JobsTable>, (typeof jobColumns)[number]> & { files: JobFile[] }): Job {
  return {
    ...toJobSummary(row),
    binaries: row.binaries,
    buildDepends: row.build_depends,
    buildDependsArch: row.build_depends_arch,
    allowTakeover: row.allow_takeover,
    files: row.files,
  };
}

/** Job rows with their stored files, in one query however many rows it returns. */
export function selectJobs(db: Db) {
  return db
    .selectFrom('jobs')
    .select(jobColumns.map((c) => `jobs.${c}` as const))
    .select((eb) =>
      jsonArrayFrom(
        eb.selectFrom('job_files').select(['name', 'sha256', 'size']).whereRef('job_files.job_id', '=', 'jobs.id').orderBy('name'),
      ).as('files'),
    );
}

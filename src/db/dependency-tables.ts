// Table types of job dependencies (migrations/0006_dependencies_and_batches.ts), merged into
// `Database` like build-tables.ts.
import type { ColumnType, Generated } from 'kysely';

export interface BatchesTable {
  id: Generated<number>;
  submitted_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface JobBuildDependenciesTable {
  job_id: number;
  name: string;
  /** The arch qualifier in the .buildinfo ('' for none, which dpkg-genbuildinfo writes for any architecture). */
  architecture: string;
  version: string;
}

export interface DependencyWatchTable {
  suite: string;
  handled_generation: number;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module './schema.ts' {
  interface Database {
    batches: BatchesTable;
    job_build_dependencies: JobBuildDependenciesTable;
    dependency_watch: DependencyWatchTable;
  }
  interface JobsTable {
    batch_id: ColumnType<number | null, number | null | undefined, number | null>;
    /** N of a binNMU rebuild (binary version `<version>+bN`); null for a plain build. */
    binnmu: ColumnType<number | null, number | null | undefined, number | null>;
    /** The published job a binNMU rebuilds. */
    rebuild_of: ColumnType<number | null, number | null | undefined, number | null>;
  }
  interface IdempotencyKeysTable {
    batch_id: ColumnType<number | null, number | null | undefined, number | null>;
  }
}

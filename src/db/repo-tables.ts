// Table types of the apt repository (migrations/0002_published_packages.ts), merged into
// `Database` so Kysely knows them everywhere. Kept beside schema.ts rather than in it while
// other tables are being added there concurrently; fold them in when convenient.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface RepoSuitesTable {
  suite: string;
  codename: string;
  component: string;
  origin: string;
  label: string;
  architectures: string[];
  generation: ColumnType<number, number | undefined, number>;
  published_generation: number | null;
  published_at: Date | null;
  release_sha256: string | null;
  created_at: CreatedAt;
}

export interface RepoPackagesTable {
  id: Generated<number>;
  suite: string;
  name: string;
  version: string;
  architecture: string;
  source: string;
  source_version: string;
  pool_path: string;
  size: number;
  sha256: string;
  md5: string;
  stanza: string;
  job_id: number | null;
  generation: number;
  added_at: CreatedAt;
}

export interface RepoSourcesTable {
  id: Generated<number>;
  suite: string;
  name: string;
  version: string;
  directory: string;
  pool_paths: string[];
  stanza: string;
  job_id: number | null;
  generation: number;
  added_at: CreatedAt;
}

declare module './schema.ts' {
  interface Database {
    repo_suites: RepoSuitesTable;
    repo_packages: RepoPackagesTable;
    repo_sources: RepoSourcesTable;
  }
}

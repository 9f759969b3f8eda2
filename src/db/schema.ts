import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written by the database (`now()`) and read back as Dates. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface ApiTokensTable {
  id: string;
  name: string | null;
  role: 'read' | 'submit' | 'admin';
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_by: string | null;
  /** Source names (globs with * and ?) the token may submit; null: any (migration 0008). */
  sources: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
}

export interface JobsTable {
  id: Generated<number>;
  state: string;
  origin: 'upload' | 'archive';
  source: string;
  version: string | null;
  suite: string | null;
  /** The architecture the job builds for (one of ARCHES; migration 0010). */
  arch: string;
  /** Binary packages the .dsc declares (`Binary:`). */
  binaries: ColumnType<string[], string[] | undefined, string[]>;
  build_depends: ColumnType<string, string | undefined, string>;
  build_depends_arch: ColumnType<string, string | undefined, string>;
  priority: ColumnType<number, number | undefined, number>;
  reason: string | null;
  submitted_by: string;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** Which fetcher holds the job while it is `fetching`, and until when (migration 0003). */
  fetch_lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  fetch_lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  fetch_attempts: ColumnType<number, number | undefined, number>;
  /** Binary names an admin let this job take over from another source (migration 0008). */
  allow_takeover: ColumnType<string[], string[] | undefined, string[]>;
  /** Why a failed job failed, by class (src/builders/classify-failure.ts; migration 0009). */
  cause_class: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: number;
  from_state: string | null;
  to_state: string;
  actor: string;
  reason: string | null;
  created_at: CreatedAt;
}

export interface JobFilesTable {
  job_id: number;
  name: string;
  sha256: string;
  size: number;
}

export interface IdempotencyKeysTable {
  token_id: string;
  key: string;
  request_hash: string;
  job_id: number | null;
  created_at: CreatedAt;
}

export interface Database {
  api_tokens: ApiTokensTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  job_files: JobFilesTable;
  idempotency_keys: IdempotencyKeysTable;
}

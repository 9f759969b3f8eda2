// Table types of builds (migrations/0004_build_attempts.ts, 0005_attempt_leases.ts), merged into `Database`.
import type { ColumnType } from 'kysely';

export interface EnginesTable {
  id: string;
  drained: ColumnType<boolean, boolean | undefined, boolean>;
  drain_reason: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type AttemptState = 'running' | 'built' | 'dep-wait' | 'failed' | 'infrastructure' | 'aborted';

export interface AttemptsTable {
  job_id: number;
  number: number;
  engine_id: string;
  state: AttemptState;
  reason: string | null;
  message: string | null;
  /** Written as JSON text, read back parsed. */
  provenance: ColumnType<unknown, string | null | undefined, string | null>;
  started_at: ColumnType<Date, Date | undefined, never>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The scheduler process that runs the attempt (or publishes its job), and until when (0005). */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The repository generation handed into its containers (migration 0012). */
  repository_generation: ColumnType<number | null, number | null | undefined, number | null>;
}

/** How much and how lately each submitting token was served by claims (fair share). */
export interface TokenClaimsTable {
  token_id: string;
  last_claim_at: Date;
  /** Claims, each halving every SCHEDULER_AGEING since last_claim_at. */
  usage: number;
}

export interface AttemptLogChunksTable {
  job_id: number;
  attempt: number;
  seq: number;
  /** pg gives a Buffer, PGlite a Uint8Array. */
  data: ColumnType<Uint8Array, Buffer, never>;
}

export interface ArtifactsTable {
  job_id: number;
  attempt: number;
  name: string;
  kind: 'deb' | 'buildinfo' | 'changes' | 'source' | 'log';
  size: number;
  sha256: string;
}

declare module './schema.ts' {
  interface Database {
    engines: EnginesTable;
    attempts: AttemptsTable;
    attempt_log_chunks: AttemptLogChunksTable;
    artifacts: ArtifactsTable;
    token_claims: TokenClaimsTable;
  }
  interface JobsTable {
    unmet_relations: ColumnType<string[], string[] | undefined, string[]>;
    provenance: ColumnType<unknown, string | null | undefined, string | null>;
    /** Not claimed before this (backoff after an infrastructure fault). */
    not_before: ColumnType<Date | null, Date | null | undefined, Date | null>;
    /** When it last joined the queue (a give-back keeps its place); ageing counts from here. */
    queued_at: ColumnType<Date, Date | undefined, Date>;
  }
}

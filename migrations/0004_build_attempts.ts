import { type Kysely, sql } from 'kysely';

// Attempts of a job on a builder engine, their logs (chunks, so any replica can follow a live
// build) and artifacts; engines keep their drain state here so every replica sees it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table engines (
      id text primary key,
      drained boolean not null default false,
      drain_reason text,
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table attempts (
      job_id integer not null references jobs (id),
      number integer not null check (number > 0),
      engine_id text not null,
      state text not null check (state in ('running', 'built', 'dep-wait', 'failed', 'infrastructure', 'aborted')),
      reason text,
      message text,
      provenance jsonb,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (job_id, number)
    )`.execute(db);
  await sql`create index attempts_running on attempts (engine_id) where state = 'running'`.execute(db);

  await sql`
    create table attempt_log_chunks (
      job_id integer not null,
      attempt integer not null,
      seq integer not null,
      data bytea not null,
      primary key (job_id, attempt, seq),
      foreign key (job_id, attempt) references attempts (job_id, number)
    )`.execute(db);

  await sql`
    create table artifacts (
      job_id integer not null,
      attempt integer not null,
      name text not null,
      kind text not null check (kind in ('deb', 'buildinfo', 'changes', 'source', 'log')),
      size bigint not null,
      sha256 text not null,
      primary key (job_id, attempt, name),
      foreign key (job_id, attempt) references attempts (job_id, number)
    )`.execute(db);

  await sql`alter table jobs add column unmet_relations text[] not null default '{}'`.execute(db);
  await sql`alter table jobs add column provenance jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table jobs drop column provenance`.execute(db);
  await sql`alter table jobs drop column unmet_relations`.execute(db);
  for (const table of ['artifacts', 'attempt_log_chunks', 'attempts', 'engines']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

import { type Kysely, sql } from 'kysely';

// The states of DESIGN.md; the legal transitions are enforced in src/jobs/job-states.ts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table api_tokens (
      id uuid primary key,
      name text,
      role text not null check (role in ('submit', 'admin')),
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      created_by uuid references api_tokens (id)
    )`.execute(db);

  await sql`
    create table jobs (
      id integer generated always as identity primary key,
      state text not null check (state in
        ('fetching', 'queued', 'dep-wait', 'building', 'publishing', 'published', 'failed', 'cancelled')),
      origin text not null check (origin in ('upload', 'archive')),
      source text not null,
      version text,
      suite text,
      binaries text[] not null default '{}',
      build_depends text not null default '',
      build_depends_arch text not null default '',
      priority integer not null default 0,
      reason text,
      submitted_by uuid not null references api_tokens (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index jobs_state_id on jobs (state, id)`.execute(db);
  await sql`create index jobs_source_id on jobs (source, id)`.execute(db);

  await sql`
    create table job_events (
      id bigint generated always as identity primary key,
      job_id integer not null references jobs (id),
      from_state text,
      to_state text not null,
      actor text not null,
      reason text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index job_events_job_id on job_events (job_id, id)`.execute(db);

  await sql`
    create table job_files (
      job_id integer not null references jobs (id),
      name text not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint not null check (size >= 0),
      primary key (job_id, name)
    )`.execute(db);

  // One row per (token, key): the primary key is what makes concurrent retries create one job.
  await sql`
    create table idempotency_keys (
      token_id uuid not null references api_tokens (id),
      key text not null,
      request_hash text not null,
      job_id integer references jobs (id),
      created_at timestamptz not null default now(),
      primary key (token_id, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['idempotency_keys', 'job_files', 'job_events', 'jobs', 'api_tokens']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

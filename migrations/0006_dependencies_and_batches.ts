import { type Kysely, sql } from 'kysely';

// Jobs that depend on each other: batches of sources submitted together, binNMU rebuilds
// (a job of the same source and files with a `+bN` binary version), the packages of our own
// repository a published job was built against (from its .buildinfo), and how far the
// scheduler has looked at the repository's publications (so each one is acted on once,
// whichever replica sees it first).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table batches (
      id integer generated always as identity primary key,
      submitted_by uuid not null references api_tokens (id),
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    alter table jobs
      add column batch_id integer references batches (id),
      add column binnmu integer check (binnmu > 0),
      add column rebuild_of integer references jobs (id)`.execute(db);
  await sql`create index jobs_batch_id on jobs (batch_id, id) where batch_id is not null`.execute(db);
  // Superseding and "is a build of this source pending?" look up the live jobs of one source.
  await sql`
    create index jobs_live_source on jobs (source, id)
      where state in ('fetching', 'queued', 'dep-wait', 'building', 'publishing')`.execute(db);

  await sql`alter table idempotency_keys add column batch_id integer references batches (id)`.execute(db);

  // Installed-Build-Depends of a published job's .buildinfo, only the packages our repository
  // carries: `architecture` is the qualifier dpkg wrote ('' for none, its usual spelling).
  await sql`
    create table job_build_dependencies (
      job_id integer not null references jobs (id),
      name text not null,
      architecture text not null,
      version text not null,
      primary key (job_id, name, architecture)
    )`.execute(db);
  await sql`create index job_build_dependencies_name on job_build_dependencies (name)`.execute(db);

  // The newest publication of each suite whose new packages the scheduler has acted on.
  await sql`
    create table dependency_watch (
      suite text primary key references repo_suites (suite),
      handled_generation bigint not null,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table dependency_watch`.execute(db);
  await sql`drop table job_build_dependencies`.execute(db);
  await sql`alter table idempotency_keys drop column batch_id`.execute(db);
  await sql`drop index jobs_live_source`.execute(db);
  await sql`drop index jobs_batch_id`.execute(db);
  await sql`alter table jobs drop column rebuild_of, drop column binnmu, drop column batch_id`.execute(db);
  await sql`drop table batches`.execute(db);
}

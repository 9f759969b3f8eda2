import { type Kysely, sql } from 'kysely';

// Why a failed job failed, as a class a fail log can be filtered by (compile, link, configure,
// shared-library, missing-build-dependency, packaging, test, timeout, fetch, infrastructure,
// ownership, other); null while the job has not failed. The reason keeps the first error line.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table jobs add column cause_class text check (cause_class in (
      'compile', 'link', 'configure', 'shared-library', 'missing-build-dependency', 'packaging',
      'test', 'timeout', 'fetch', 'infrastructure', 'ownership', 'other'))`.execute(db);
  // Each source's latest job, for the cross-buildability view (GET /v1/sources).
  await sql`create index jobs_source_latest on jobs (source, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index jobs_source_latest`.execute(db);
  await sql`alter table jobs drop column cause_class`.execute(db);
}

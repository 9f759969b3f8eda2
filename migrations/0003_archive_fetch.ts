import { type Kysely, sql } from 'kysely';

// The fetcher's claim on a `fetching` job: a lease it renews while it downloads, so two
// service processes never fetch the same job and a job whose fetcher died is taken over once
// the lease runs out. fetch_attempts counts claims, to give up on a job that kills its fetcher.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table jobs
      add column fetch_lease_owner text,
      add column fetch_lease_until timestamptz,
      add column fetch_attempts integer not null default 0`.execute(db);
  await sql`create index jobs_fetching_claim on jobs (priority desc, id) where state = 'fetching'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index jobs_fetching_claim`.execute(db);
  await sql`
    alter table jobs
      drop column fetch_lease_owner,
      drop column fetch_lease_until,
      drop column fetch_attempts`.execute(db);
}

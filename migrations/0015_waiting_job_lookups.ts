import { type Kysely, sql } from 'kysely';

// Two lookups about waiting jobs read whole tables without these; with 100,000 jobs each took
// 30-80 ms of PostgreSQL, and both run often:
// - explaining a dep-wait job names the jobs that build what it waits for (`binaries && names`),
//   on every renewal of a waiting job's explanation: a GIN index on the array;
// - the scheduler asks every 2 s for the newest event into dep-wait (`max(id) where to_state`).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index jobs_binaries on jobs using gin (binaries)`.execute(db);
  await sql`create index job_events_to_state_id on job_events (to_state, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index job_events_to_state_id`.execute(db);
  await sql`drop index jobs_binaries`.execute(db);
}

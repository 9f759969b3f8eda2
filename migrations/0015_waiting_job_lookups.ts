import { type Kysely, sql } from 'kysely';

// Three lookups about waiting jobs read far more than they need without these; with 100,000 jobs
// each took 20-80 ms of PostgreSQL, and all run often:
// - explaining a dep-wait job names the jobs that build what it waits for (`binaries && names`),
//   on every renewal of a waiting job's explanation: a GIN index on the array;
// - the scheduler asks every 2 s for the newest event into dep-wait (`max(id) where to_state`);
// - the claim order ranks every ready job (claim-order.ts), for each claim and for the queue
//   places that explanations show: an index holding every column it reads lets it skip the
//   table (queued jobs lie scattered among finished ones: 5,000 of them were on 3,800 pages).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index jobs_binaries on jobs using gin (binaries)`.execute(db);
  await sql`create index job_events_to_state_id on job_events (to_state, id)`.execute(db);
  await sql`
    create index jobs_ready_ranking on jobs (submitted_by) include (id, priority, queued_at, not_before, arch)
    where state = 'queued'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index jobs_ready_ranking`.execute(db);
  await sql`drop index job_events_to_state_id`.execute(db);
  await sql`drop index jobs_binaries`.execute(db);
}

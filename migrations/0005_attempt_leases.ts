import { type Kysely, sql } from 'kysely';

// The scheduler's claims (issue 7). A running attempt holds a lease (owner, until) that its
// service process renews; capacity is counted from attempts with live leases, and an attempt
// whose lease ran out is given back by whichever process sees it. A built attempt keeps its
// lease while its job is published, so a publication a dead process left is taken over.
// Jobs get a time before which they are not claimed (backoff after an infrastructure fault)
// and the time they joined the queue (ageing); token_claims remembers how much and how lately
// each submitting token was served (fair share).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table attempts
      add column lease_owner text,
      add column lease_until timestamptz`.execute(db);
  await sql`create index attempts_lease_until on attempts (lease_until) where state = 'running'`.execute(db);
  // An engine's latest finished attempts, to tell a run of infrastructure faults.
  await sql`create index attempts_engine_finished on attempts (engine_id, finished_at desc) where finished_at is not null`.execute(db);

  // queued_at defaults to the insert; transitionJob sets it when a job joins the queue.
  await sql`
    alter table jobs
      add column not_before timestamptz,
      add column queued_at timestamptz not null default now()`.execute(db);
  await sql`update jobs set queued_at = updated_at where state = 'queued'`.execute(db);

  // `usage` counts the token's claims, halving every SCHEDULER_AGEING since last_claim_at.
  await sql`
    create table token_claims (
      token_id uuid primary key references api_tokens (id),
      last_claim_at timestamptz not null,
      usage double precision not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table token_claims`.execute(db);
  await sql`alter table jobs drop column queued_at, drop column not_before`.execute(db);
  await sql`drop index attempts_engine_finished`.execute(db);
  await sql`drop index attempts_lease_until`.execute(db);
  await sql`alter table attempts drop column lease_until, drop column lease_owner`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// Running the farm day to day (issue 12). A requeue gives a job a fresh infrastructure-fault
// budget: faults of attempts numbered up to `faults_counted_after` no longer count. Webhooks
// and their deliveries: every job_events row fans out, in the transaction that wrote it, into
// one delivery per webhook, so a delivery is never lost between a change and its sending
// (a restart loses nothing). Notifications wake log followers (a new log chunk) and anyone
// waiting on a job (a new event) in every service process; the payload is the job id.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table jobs add column faults_counted_after integer not null default 0`.execute(db);

  await sql`
    create table webhooks (
      id uuid primary key,
      url text not null,
      secret text not null,
      origin text not null check (origin in ('api', 'config')),
      created_by uuid references api_tokens (id),
      created_at timestamptz not null default now()
    )`.execute(db);
  // WEBHOOKS names each receiver once; every process starting with the list upserts it.
  await sql`create unique index webhooks_configured_url on webhooks (url) where origin = 'config'`.execute(db);

  await sql`
    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      webhook_id uuid not null references webhooks (id) on delete cascade,
      event_id bigint not null references job_events (id),
      job_id integer not null references jobs (id),
      state text not null default 'pending' check (state in ('pending', 'delivered', 'abandoned')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      lease_owner text,
      lease_until timestamptz,
      body text,
      last_status integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'pending'`.execute(db);
  // A job's changes reach a receiver in order: a delivery waits for the earlier ones of its job.
  await sql`create index webhook_deliveries_job_order on webhook_deliveries (webhook_id, job_id, event_id) where state = 'pending'`.execute(db);

  await sql`
    create function stubbuild_job_event_fanout() returns trigger language plpgsql as $$
    begin
      insert into webhook_deliveries (webhook_id, event_id, job_id)
        select id, new.id, new.job_id from webhooks;
      perform pg_notify('stubbuild_job_events', new.job_id::text);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger job_events_fanout after insert on job_events
      for each row execute function stubbuild_job_event_fanout()`.execute(db);

  await sql`
    create function stubbuild_log_chunk_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('stubbuild_log_chunks', new.job_id::text);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger attempt_log_chunks_notify after insert on attempt_log_chunks
      for each row execute function stubbuild_log_chunk_notify()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger attempt_log_chunks_notify on attempt_log_chunks`.execute(db);
  await sql`drop function stubbuild_log_chunk_notify()`.execute(db);
  await sql`drop trigger job_events_fanout on job_events`.execute(db);
  await sql`drop function stubbuild_job_event_fanout()`.execute(db);
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop table webhooks`.execute(db);
  await sql`alter table jobs drop column faults_counted_after`.execute(db);
}

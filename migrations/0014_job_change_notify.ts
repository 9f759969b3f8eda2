import { type Kysely, sql } from 'kysely';

// Every committed change to what a job read shows (the job, its files, events, attempts,
// artifacts) is announced on 'stubbuild_job_changed', whoever made it: a replica, the CLI, an
// operator's psql. One notification per statement; its payload lists the job ids, or is '*'
// when a statement touched too many to list. The service's read cache forgets by it.
const TABLES = [
  { table: 'jobs', column: 'id' },
  { table: 'job_files', column: 'job_id' },
  { table: 'job_events', column: 'job_id' },
  { table: 'attempts', column: 'job_id' },
  { table: 'artifacts', column: 'job_id' },
] as const;
const OPERATIONS = [
  { op: 'insert', rows: 'new' },
  { op: 'update', rows: 'new' },
  { op: 'delete', rows: 'old' },
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['id', 'job_id'] as const) {
    // A trigger with transition tables serves one event, so each table has three; the function
    // reads the statement's rows from the transition table every one of them names `changed`.
    await sql`
      create function ${sql.raw(`stubbuild_job_changed_by_${column}`)}() returns trigger language plpgsql as $$
      declare ids text;
      begin
        select case when count(distinct ${sql.raw(column)}) > 100 then '*'
                    else string_agg(distinct ${sql.raw(column)}::text, ',') end
          into ids from changed;
        if ids is not null then perform pg_notify('stubbuild_job_changed', ids); end if;
        return null;
      end $$`.execute(db);
  }
  for (const { table, column } of TABLES) {
    for (const { op, rows } of OPERATIONS) {
      await sql`
        create trigger ${sql.raw(`${table}_${op}_notify`)} after ${sql.raw(op)} on ${sql.raw(table)}
          referencing ${sql.raw(rows)} table as changed
          for each statement execute function ${sql.raw(`stubbuild_job_changed_by_${column}`)}()`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { table } of TABLES) {
    for (const { op } of OPERATIONS) await sql`drop trigger ${sql.raw(`${table}_${op}_notify`)} on ${sql.raw(table)}`.execute(db);
  }
  for (const column of ['id', 'job_id']) await sql`drop function ${sql.raw(`stubbuild_job_changed_by_${column}`)}()`.execute(db);
}

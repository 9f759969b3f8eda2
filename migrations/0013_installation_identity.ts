import { type Kysely, sql } from 'kysely';

// One database is one installation: its id labels the containers it starts on engines that other
// installations may share, so that each removes only its own. At most one row (the key is the
// constant true); the first process to start inserts it (src/db/installation-id.ts), so a copy of
// an empty database gets an id of its own.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table installation (
      singleton boolean primary key default true check (singleton),
      id uuid not null default gen_random_uuid(),
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table installation`.execute(db);
}

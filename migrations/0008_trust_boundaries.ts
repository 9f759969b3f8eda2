import { type Kysely, sql } from 'kysely';

// Trust boundaries: which binary names an admin lets a job take over from another source,
// which sources a token may submit (globs; null: any), and a read-only role for apt clients
// and dashboards.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table jobs add column allow_takeover text[] not null default '{}'`.execute(db);
  await sql`alter table api_tokens add column sources text[]`.execute(db);
  await sql`alter table api_tokens drop constraint api_tokens_role_check`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens_role_check check (role in ('read', 'submit', 'admin'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens drop constraint api_tokens_role_check`.execute(db);
  await sql`delete from api_tokens where role = 'read'`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens_role_check check (role in ('submit', 'admin'))`.execute(db);
  await sql`alter table api_tokens drop column sources`.execute(db);
  await sql`alter table jobs drop column allow_takeover`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// One service builds for several architectures (ARCHES): every job names the one it builds for.
// Jobs from before were all built for stubdom-amd64, the only architecture there was; new jobs
// always name theirs (no default from here on).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table jobs add column arch text not null default 'stubdom-amd64'`.execute(db);
  await sql`alter table jobs alter column arch drop default`.execute(db);
  await sql`create index jobs_ready_arch on jobs (arch) where state = 'queued'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index jobs_ready_arch`.execute(db);
  await sql`alter table jobs drop column arch`.execute(db);
}

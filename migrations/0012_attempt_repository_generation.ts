import { type Kysely, sql } from 'kysely';

// What an attempt built against: the repository's published generation whose indexes (and the
// .debs they name) were handed into its containers.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attempts add column repository_generation bigint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attempts drop column repository_generation`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// The same rule for repo_packages' hashes (lowercase hex of the right length), checked
// without a regular expression: the regex checks were 60 of the ~140 ms PostgreSQL spent
// inserting 10,000 rows when a repository is seeded (bench/publish).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table repo_packages
      drop constraint repo_packages_sha256_check,
      drop constraint repo_packages_md5_check,
      add constraint repo_packages_sha256_check check (length(sha256) = 64 and ltrim(sha256, '0123456789abcdef') = ''),
      add constraint repo_packages_md5_check check (length(md5) = 32 and ltrim(md5, '0123456789abcdef') = '')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table repo_packages
      drop constraint repo_packages_sha256_check,
      drop constraint repo_packages_md5_check,
      add constraint repo_packages_sha256_check check (sha256 ~ '^[0-9a-f]{64}$'),
      add constraint repo_packages_md5_check check (md5 ~ '^[0-9a-f]{32}$')`.execute(db);
}

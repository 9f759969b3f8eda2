import { type Kysely, sql } from 'kysely';

// The apt repository's contents. One row per package in the published indices: its index
// stanza as written, its pool file and checksums, and the job that built it. Rows never
// change; replacing a package deletes its row and inserts another, so a row id names one
// exact stanza (the publisher caches rendered indices by id).
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per suite. Origin, Label, Suite, Codename and Component are fixed when the row is
  // made (apt refuses a repository whose Origin, Label or Codename changes under it).
  // `generation` counts changes to the contents; `published_generation` is the generation
  // the files under dists/ show, so a publisher can tell whether there is anything to do.
  await sql`
    create table repo_suites (
      suite text primary key,
      codename text not null,
      component text not null,
      origin text not null,
      label text not null,
      architectures text[] not null,
      generation bigint not null default 0,
      published_generation bigint,
      published_at timestamptz,
      release_sha256 text check (release_sha256 ~ '^[0-9a-f]{64}$'),
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table repo_packages (
      id bigint generated always as identity primary key,
      suite text not null references repo_suites (suite),
      name text not null,
      version text not null,
      architecture text not null,
      source text not null,
      source_version text not null,
      pool_path text not null,
      size bigint not null check (size >= 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      md5 text not null check (md5 ~ '^[0-9a-f]{32}$'),
      stanza text not null,
      job_id integer references jobs (id),
      generation bigint not null,
      added_at timestamptz not null default now(),
      unique (suite, name, architecture, version)
    )`.execute(db);
  await sql`create index repo_packages_suite_name_id on repo_packages (suite, name, id)`.execute(db);
  await sql`create index repo_packages_job_id on repo_packages (job_id) where job_id is not null`.execute(db);

  // Source packages: the .dsc and the files it lists, all under `directory` in the pool.
  await sql`
    create table repo_sources (
      id bigint generated always as identity primary key,
      suite text not null references repo_suites (suite),
      name text not null,
      version text not null,
      directory text not null,
      pool_paths text[] not null,
      stanza text not null,
      job_id integer references jobs (id),
      generation bigint not null,
      added_at timestamptz not null default now(),
      unique (suite, name, version)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['repo_sources', 'repo_packages', 'repo_suites']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}

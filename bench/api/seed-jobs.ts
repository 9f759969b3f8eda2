// 100,000 jobs as a busy farm accumulates them: mostly published and failed, some waiting, each
// with its source files, its events and an attempt; written with a few set-based statements.
import { sql } from 'kysely';
import type { Db } from '../../src/db/in-transaction.ts';

export async function seedJobs(db: Db, count: number, tokenId: string): Promise<void> {
  await sql`
    insert into jobs (state, origin, source, version, suite, arch, binaries, build_depends, submitted_by, reason, created_at, updated_at, cause_class, unmet_relations)
    select
      case when i % 20 = 0 then 'queued' when i % 7 = 0 then 'failed' when i % 31 = 0 then 'dep-wait' else 'published' end,
      case when i % 3 = 0 then 'archive' else 'upload' end,
      'lib' || (i % 5000)::text || '-bench',
      '1:' || (i / 5000)::text || '.' || (i % 97)::text || '~rc1+ds-1',
      case when i % 3 = 0 then 'bookworm' else null end,
      'stubdom-amd64',
      array['lib' || (i % 5000)::text || '-bench-dev'],
      'debhelper-compat (= 13), zlib1g-dev',
      ${tokenId},
      case when i % 7 = 0 then 'compile: src/x.c:12:3: error: unknown type name ''pthread_t''' else 'in the apt repository' end,
      now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval,
      case when i % 7 = 0 and i % 20 <> 0 then 'compile' else null end,
      -- A job in dep-wait waits for a package nobody publishes here, so it stays there.
      case when i % 31 = 0 and i % 20 <> 0 and i % 7 <> 0 then array['libmissing' || (i % 50)::text || '-dev (>= 1.2)'] else '{}' end
    from generate_series(1, ${count}) as i`.execute(db);
  await sql`
    insert into job_files (job_id, name, sha256, size)
    select j.id, j.source || '_1.0' || f.ext, md5(j.id::text || f.ext) || md5(f.ext || j.id::text), 1000 + j.id % 5000
    from jobs j cross join (values ('.dsc'), ('.orig.tar.xz'), ('.debian.tar.xz')) as f(ext)`.execute(db);
  await sql`
    insert into job_events (job_id, from_state, to_state, actor, reason, created_at)
    select id, null, 'queued', 'token:' || ${tokenId}, 'submitted', created_at from jobs`.execute(db);
  await sql`
    insert into job_events (job_id, from_state, to_state, actor, reason, created_at)
    select id, 'queued', 'building', 'scheduler', 'building on engine local', created_at + interval '1 second' from jobs where state in ('published', 'failed', 'dep-wait')`.execute(
    db,
  );
  await sql`
    insert into attempts (job_id, number, engine_id, state, reason, started_at, finished_at)
    select id, 1, 'local', case when state = 'published' then 'built' else state end, case when state = 'failed' then 'build-error' else null end,
           created_at + interval '1 second', created_at + interval '90 seconds'
    from jobs where state in ('published', 'failed', 'dep-wait')`.execute(db);
  await sql`analyze`.execute(db);
}

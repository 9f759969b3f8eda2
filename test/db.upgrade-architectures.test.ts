// Upgrading to several architectures: jobs from before (all built for stubdom-amd64, the only
// architecture there was) keep their history and are built for it; new ones name theirs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, migrateUpTo } from '../src/db/migrate.ts';
import { claimNextJob } from '../src/scheduler/claim-job.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  handle = await createTestDatabase({ migrate: false });
});
after(() => handle?.close());

test('a queued job from before the upgrade is built for stubdom-amd64, by an engine that has its image', async () => {
  const { db } = handle;
  await migrateUpTo(db, '0009_failure_causes');
  const token = await createToken(db, { role: 'submit', name: 'before the upgrade' });
  // Written as the service before the upgrade wrote it: no arch column yet.
  const { rows } = await sql<{ id: number }>`
    insert into jobs (state, origin, source, version, suite, submitted_by)
    values ('queued', 'upload', 'zlib', '1:1.2.13.dfsg-1', null, ${token.id}) returning id`.execute(db);
  const id = rows[0]!.id;

  await migrateToLatest(db);
  const job = await db.selectFrom('jobs').select(['arch', 'state']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(job, { arch: 'stubdom-amd64', state: 'queued' });
  const rumpOnly = await claimNextJob(db, {
    engineId: 'rump-only',
    capacity: 1,
    owner: 'test',
    leaseMs: 60_000,
    ageingMs: 3_600_000,
    arches: ['stubdom-rumprun-amd64'],
  });
  assert.equal(rumpOnly, undefined, 'an engine without the stubdom-amd64 image leaves it');
  const claim = await claimNextJob(db, {
    engineId: 'newlib',
    capacity: 1,
    owner: 'test',
    leaseMs: 60_000,
    ageingMs: 3_600_000,
    arches: ['stubdom-amd64'],
  });
  assert.deepEqual([claim?.jobId, claim?.arch], [id, 'stubdom-amd64']);
  await assert.rejects(
    sql`insert into jobs (state, origin, source, version, suite, submitted_by) values ('queued', 'upload', 'x', '1', null, ${token.id})`.execute(
      db,
    ),
    /null value in column "arch"/,
    'new jobs must name their architecture',
  );
});

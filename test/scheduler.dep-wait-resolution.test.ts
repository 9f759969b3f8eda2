import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openAttempt } from '../src/jobs/attempts.ts';
import { handlePublications } from '../src/scheduler/handle-publications.ts';
import { insertJob, lastEvent, matchOptions, publishSynthetic, stateOf } from './helpers/dependency-fixtures.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

const handle = () => handlePublications(t.db, { ...matchOptions(t.repo), rebuildArches: ['stubdom-amd64'] });

/** A job whose attempt, begun now and handed generation `handedIn` (null: none recorded), ended in dep-wait for `relation`. */
async function endedInDepWait(source: string, relation: string, handedIn: number | null): Promise<number> {
  const id = await insertJob(t.db, { state: 'building', source });
  await openAttempt(t.db, id, 'test-engine');
  await t.db
    .updateTable('attempts')
    .set({ state: 'dep-wait', finished_at: sql<Date>`now()`, repository_generation: handedIn })
    .where('job_id', '=', id)
    .execute();
  await t.db
    .updateTable('jobs')
    .set({ state: 'dep-wait', unmet_relations: [relation] })
    .where('id', '=', id)
    .execute();
  return id;
}

test('a published package that satisfies the stored relation moves the job back to queued, naming it', async () => {
  const waiting = await insertJob(t.db, { state: 'dep-wait', source: 'needs-foo', unmetRelations: ['libfoo-dev:stubdom-amd64 (>= 2)'] });
  const other = await insertJob(t.db, { state: 'dep-wait', source: 'needs-bar', unmetRelations: ['libbar-dev:stubdom-amd64'] });

  await publishSynthetic(t.db, t.repo, [{ name: 'libfoo-dev', version: '1.5' }]);
  await handle();
  assert.equal((await stateOf(t.db, waiting)).state, 'dep-wait', 'version 1.5 does not satisfy >= 2');

  await publishSynthetic(t.db, t.repo, [{ name: 'libfoo-dev', version: '2.1' }]);
  const { requeued } = await handle();
  assert.deepEqual(
    requeued.map((r) => r.jobId),
    [waiting],
  );
  const job = await stateOf(t.db, waiting);
  assert.equal(job.state, 'queued');
  assert.deepEqual(job.unmet_relations, []);
  const event = await lastEvent(t.db, waiting);
  assert.equal(event.actor, 'scheduler');
  assert.equal(event.from_state, 'dep-wait');
  assert.match(String(event.reason), /libfoo-dev 2\.1/);
  assert.equal((await stateOf(t.db, other)).state, 'dep-wait');
});

test('Provides of a published package satisfies the relation', async () => {
  const waiting = await insertJob(t.db, { state: 'dep-wait', source: 'needs-virtual', unmetRelations: ['libvirtual-dev'] });
  await publishSynthetic(t.db, t.repo, [{ name: 'libconcrete-dev', version: '1', extraFields: { Provides: 'libvirtual-dev' } }]);
  await handle();
  assert.equal((await stateOf(t.db, waiting)).state, 'queued');
  assert.match(String((await lastEvent(t.db, waiting)).reason), /libconcrete-dev 1, providing libvirtual-dev/);
});

test('no retry while nothing changed: a job whose attempt began after the last publication stays waiting', async () => {
  // The relation is satisfied, but apt saw that package and still went to dep-wait (a missing
  // dependency of the dependency, say): only a later publication may help.
  await publishSynthetic(t.db, t.repo, [{ name: 'libthere-dev', version: '1' }]);
  const waiting = await endedInDepWait('needs-there', 'libthere-dev:stubdom-amd64', null);

  for (let i = 0; i < 3; i += 1) await handle();
  assert.equal((await stateOf(t.db, waiting)).state, 'dep-wait', 'checked three times, still waiting');

  await publishSynthetic(t.db, t.repo, [{ name: 'libunrelated-dev', version: '1' }]);
  await handle();
  assert.equal((await stateOf(t.db, waiting)).state, 'queued', 'a later publication is worth one more attempt');
});

test('an attempt handed an older generation than the one that holds the package is retried, though it began after the package was added', async () => {
  // The race: a publication adds its rows, then writes and signs its indexes; an attempt that
  // begins in between gets the previous indexes and goes to dep-wait for that very package.
  await publishSynthetic(t.db, t.repo, [{ name: 'libraced-dev', version: '1' }]);
  const { published } = await t.db
    .selectFrom('repo_suites')
    .select(sql<number>`published_generation`.as('published'))
    .where('suite', '=', t.repo.settings.suite)
    .executeTakeFirstOrThrow();
  const raced = await endedInDepWait('raced', 'libraced-dev:stubdom-amd64', Number(published) - 1);
  const current = await endedInDepWait('saw-it', 'libraced-dev:stubdom-amd64', Number(published));

  await handle();
  assert.equal((await stateOf(t.db, raced)).state, 'queued', 'its index lacked the package');
  assert.match(String((await lastEvent(t.db, raced)).reason), /libraced-dev 1/);
  assert.equal((await stateOf(t.db, current)).state, 'dep-wait', 'its index had the package: only a later publication may help');
});

test('a job cancelled meanwhile is left alone', async () => {
  const waiting = await insertJob(t.db, { state: 'cancelled', source: 'gone', unmetRelations: ['libgone-dev'] });
  await publishSynthetic(t.db, t.repo, [{ name: 'libgone-dev', version: '1' }]);
  await handle();
  assert.equal((await stateOf(t.db, waiting)).state, 'cancelled');
});

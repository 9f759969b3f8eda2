import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { EngineView } from '../src/scheduler/engine-pool.ts';
import { explainJob } from '../src/scheduler/explain-job.ts';
import { QueuePlaces } from '../src/scheduler/queue-places.ts';
import { insertJob, matchOptions, publishSynthetic } from './helpers/dependency-fixtures.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

function engine(id: string, more: Partial<EngineView> = {}): EngineView {
  return {
    id,
    capacity: 2,
    healthy: true,
    detail: 'ok',
    arches: ['stubdom-amd64'],
    drained: false,
    drainReason: null,
    running: 0,
    ...more,
  };
}
const engines = (views: EngineView[]) => ({ list: async () => views });
const explain = (jobId: number, views?: EngineView[]) =>
  explainJob(t.db, jobId, { ...matchOptions(t.repo), ...(views ? { engines: engines(views) } : {}) });

test('a queued job: ready jobs ahead of it by the claim order', async () => {
  const first = await insertJob(t.db, { state: 'queued', source: 'q-first' });
  const second = await insertJob(t.db, { state: 'queued', source: 'q-second' });
  const urgent = await insertJob(t.db, { state: 'queued', source: 'q-urgent', priority: 10 });
  await insertJob(t.db, { state: 'building', source: 'q-building' });
  assert.match(String(await explain(urgent)), /^It is next in the queue\.$/);
  assert.match(String(await explain(first)), /^1 ready job is ahead of it in the queue/);
  assert.match(String(await explain(second)), /^2 ready jobs are ahead of it in the queue/);
  await t.db.updateTable('jobs').set({ state: 'cancelled' }).where('id', 'in', [first, second, urgent]).execute();
});

test('the ranking shared by reads counts as the claim order does, and says nothing of a job that is not ready', async () => {
  const first = await insertJob(t.db, { state: 'queued', source: 'p-first' });
  const second = await insertJob(t.db, { state: 'queued', source: 'p-second' });
  const urgent = await insertJob(t.db, { state: 'queued', source: 'p-urgent', priority: 10 });
  const later = await insertJob(t.db, { state: 'queued', source: 'p-later' });
  await sql`update jobs set not_before = now() + interval '1 hour' where id = ${later}`.execute(t.db);
  const places = new QueuePlaces(t.db, 3_600_000);
  assert.deepEqual(await Promise.all([urgent, first, second, later].map((id) => places.ahead(id))), [0, 1, 2, undefined]);
  const shared = { ...matchOptions(t.repo), queuePlaces: places };
  assert.match(String(await explainJob(t.db, second, shared)), /^2 ready jobs are ahead of it in the queue/);
  await t.db.updateTable('jobs').set({ state: 'cancelled' }).where('id', 'in', [first, second, urgent, later]).execute();
});

test('a queued job: what the engines say (none, all drained, unhealthy, busy, free)', async () => {
  const job = await insertJob(t.db, { state: 'queued', source: 'q-engines' });
  assert.match(String(await explain(job, [])), /No builder engine is configured\./);
  assert.match(
    String(await explain(job, [engine('e1', { drained: true, drainReason: 'kernel upgrade' }), engine('e2', { drained: true })])),
    /Every engine is drained: e1 \(kernel upgrade\), e2 \(no reason given\)\./,
  );
  assert.match(
    String(
      await explain(job, [
        engine('e1', { drained: true }),
        engine('e2', { healthy: false, detail: 'engine unreachable: connect ECONNREFUSED' }),
      ]),
    ),
    /No engine that is not drained is healthy: e2: engine unreachable: connect ECONNREFUSED\./,
  );
  assert.match(String(await explain(job, [engine('e1', { running: 2 })])), /Every healthy engine is at capacity \(e1 2\/2\)/);
  assert.match(String(await explain(job, [engine('e1', { running: 1 })])), /Engines with free capacity: e1 1\/2\./);
  await t.db.updateTable('jobs').set({ state: 'cancelled' }).where('id', '=', job).execute();
});

test('a queued job backing off says until when', async () => {
  const job = await insertJob(t.db, { state: 'queued', source: 'q-backoff' });
  const until = new Date(Date.now() + 3_600_000);
  await sql`update jobs set not_before = ${until} where id = ${job}`.execute(t.db);
  assert.match(String(await explain(job)), new RegExp(`backing off after a failed attempt until ${until.toISOString().slice(0, 16)}`));
  await t.db.updateTable('jobs').set({ state: 'cancelled' }).where('id', '=', job).execute();
});

test('a dep-wait job: what is missing, who will build it, and what is already there', async () => {
  await publishSynthetic(t.db, t.repo, [{ name: 'libthere-dev', version: '1.0' }]);
  const provider = await insertJob(t.db, {
    state: 'building',
    source: 'libcoming',
    version: '2.0',
    binaries: ['libcoming-dev', 'libcoming1'],
  });
  const waiting = await insertJob(t.db, {
    state: 'dep-wait',
    source: 'waits',
    unmetRelations: ['libcoming-dev:stubdom-amd64 (>= 2)', 'libthere-dev', 'libnobody-dev'],
  });
  const failed = await insertJob(t.db, { state: 'failed', source: 'libbroken', binaries: ['libbroken-dev'] });
  const alsoWaiting = await insertJob(t.db, { state: 'dep-wait', source: 'waits-too', unmetRelations: ['libbroken-dev'] });
  const stuckOnFailure = String(await explain(alsoWaiting));
  assert.match(
    stuckOnFailure,
    new RegExp(
      `libbroken-dev, which job ${failed} \\(libbroken 1\\.0, failed\\) was to build: requeue that job once its cause is fixed, or submit a fixed version of libbroken\\.`,
    ),
  );
  assert.match(stuckOnFailure, /but nothing is being built now: it waits until someone acts\.$/, 'no promise that it goes back by itself');
  const text = String(await explain(waiting, [engine('e1')]));
  assert.match(
    text,
    new RegExp(`libcoming-dev:stubdom-amd64 \\(>= 2\\), which job ${provider} \\(libcoming 2\\.0, building\\) will build`),
  );
  assert.match(text, /; libnobody-dev, which no job builds and no Debian source is known to build: submit the source that provides it\./);
  assert.match(text, /Already published: libthere-dev 1\.0\./);
  assert.match(text, /goes back to the queue by itself once they are published, but not everything it needs is being built now/);
  assert.doesNotMatch(text, /engine/i, 'engines do not matter while it waits');
});

test('a dep-wait for a package no job builds names the Debian source that would', async () => {
  const waiting = await insertJob(t.db, { state: 'dep-wait', source: 'needs-zstd', unmetRelations: ['zstd:native (>= 1.5)'] });
  const asked: string[] = [];
  const text = String(
    await explainJob(t.db, waiting, {
      ...matchOptions(t.repo),
      debianSourcesOf: async (binary) => (asked.push(binary), binary === 'zstd' ? ['libzstd'] : []),
    }),
  );
  assert.deepEqual(asked, ['zstd']);
  assert.doesNotMatch(text, /looks like a program/, 'zstd:native is the build machine’s already');
  assert.match(
    text,
    /zstd:native \(>= 1\.5\), which no job builds: Debian's source libzstd does, submit it \(e\.g\. \{"source": "libzstd"\}\)/,
  );
});

test('a dep-wait for a program the build runs says how a cross build takes the build machine copy', async () => {
  const waiting = await insertJob(t.db, {
    state: 'dep-wait',
    source: 'cmark',
    unmetRelations: ['python3:stubdom-amd64', 'libfoo-dev:stubdom-amd64'],
  });
  const text = String(
    await explainJob(t.db, waiting, {
      ...matchOptions(t.repo),
      debianSourcesOf: async (binary) => (binary === 'python3' ? ['python3-defaults'] : []),
    }),
  );
  assert.match(text, /python3:stubdom-amd64, which no job builds: Debian's source python3-defaults does/);
  assert.match(
    text,
    /python3 looks like a program the build runs rather than a library it links: a cross build takes the build machine's copy only where Build-Depends says so \(python3:native, or python3:any when it is Multi-Arch: allowed\)/,
  );
  assert.match(text, /a port of the source can say so \(ports\/README\.md\)\.$/);
  assert.doesNotMatch(text, /libfoo-dev looks like/, 'a -dev package is a library');
});

test('other states have no explanation; the API shows it on GET /v1/jobs/{id}', async () => {
  const done = await insertJob(t.db, { state: 'published', source: 'done' });
  assert.equal(await explain(done), null);
  const job = await insertJob(t.db, { state: 'queued', source: 'api-shown' });
  const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${job}`, headers: bearer(t.submitToken) });
  assert.equal(res.statusCode, 200);
  assert.match(res.json().explanation, /in the queue/);
  const other = await t.app.inject({ method: 'GET', url: `/v1/jobs/${done}`, headers: bearer(t.submitToken) });
  assert.equal(other.json().explanation, null);
});

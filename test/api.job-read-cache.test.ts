// Job reads answered from memory (src/api/job-read-cache.ts) never show a job older than the
// database says it is: a write of this process shows at once, one made elsewhere (another
// replica, psql: here a handle without this process's write watch) once its NOTIFY arrives,
// and while notifications are lost nothing is answered from memory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { JobReadCache } from '../src/api/job-read-cache.ts';
import { uploadSource } from './helpers/pipeline-app.ts';
import { makeSourcePackage } from './helpers/source-package.ts';
import { createTestDatabase } from './helpers/test-db.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitFor } from './helpers/wait-for.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

async function submit(name: string, version: string): Promise<number> {
  const pkg = makeSourcePackage({ name, version });
  try {
    return await uploadSource(t, pkg);
  } finally {
    pkg.cleanup();
  }
}

async function read(
  url: string,
): Promise<{ body: Record<string, unknown> & { items?: { id: number; priority: number }[] }; type: string }> {
  const res = await t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, res.body);
  return { body: res.json(), type: String(res.headers['content-type']) };
}

async function answered(): Promise<{ hit: number; miss: number }> {
  const families = parsePrometheusTextFormat((await t.app.inject({ method: 'GET', url: '/metrics' })).body) as {
    name: string;
    metrics: { labels: Record<string, string>; value: string }[];
  }[];
  const family = families.find((f) => f.name === 'stubbuild_job_read_cache_answers_total')!;
  const count = (result: string) => Number(family.metrics.find((m) => m.labels.result === result)?.value ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

/** Reads `url` until an answer comes from memory (a NOTIFY of an earlier write may clear it once). */
async function cachedAnswer(url: string): Promise<void> {
  await waitFor(`${url} is answered from memory`, async () => {
    const before = await answered();
    await read(url);
    return (await answered()).hit > before.hit;
  });
}

/** Writes as another process would: no write watch of this one sees it, only the NOTIFY does. */
const elsewhere = () => t.db.withoutPlugins();

test('a second read comes from memory, byte for byte the same answer and content type', async () => {
  const id = await submit('libcache-twice', '2.0~rc1+ds');
  const before = await answered();
  const first = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
  const second = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
  assert.equal(second.body, first.body);
  assert.equal(second.headers['content-type'], first.headers['content-type']);
  assert.match(String(second.headers['content-type']), /^application\/json/);
  assert.equal(first.json().version, '2.0~rc1+ds');
  const now = await answered();
  // The job is queued, so its answer explains why it waits: kept, but for seconds at most.
  assert.deepEqual({ hit: now.hit - before.hit, miss: now.miss - before.miss }, { hit: 1, miss: 1 });
});

test("this process's writes show at the next read, through the API and through the domain code", async () => {
  const id = await submit('libcache-local', '3.1+b1');
  assert.equal((await read(`/v1/jobs/${id}`)).body.priority, 0);
  const list = await read('/v1/jobs?limit=50');
  assert.equal(list.body.items!.find((j) => j.id === id)!.priority, 0);

  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/admin/jobs/${id}/priority`,
    headers: bearer(t.adminToken),
    payload: { priority: 7 },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await read(`/v1/jobs/${id}`)).body.priority, 7);
  assert.equal((await read('/v1/jobs?limit=50')).body.items!.find((j) => j.id === id)!.priority, 7);

  await t.db.updateTable('jobs').set({ priority: 9 }).where('id', '=', id).execute();
  assert.equal((await read(`/v1/jobs/${id}`)).body.priority, 9);
  assert.equal((await read('/v1/jobs?limit=50')).body.items!.find((j) => j.id === id)!.priority, 9);

  // A new job is in the next page read at once.
  const added = await submit('libcache-added', '1.0+dfsg');
  assert.ok((await read('/v1/jobs?limit=50')).body.items!.some((j) => j.id === added));
});

test('a change made elsewhere shows once its NOTIFY arrives, for the job, its events and the list', async () => {
  const id = await submit('libcache-remote', '0.9~pre2');
  await t.db.updateTable('jobs').set({ state: 'failed', reason: 'build-error: test' }).where('id', '=', id).execute();
  // Failed: an answer kept until the job changes.
  assert.equal((await read(`/v1/jobs/${id}`)).body.state, 'failed');
  await cachedAnswer(`/v1/jobs/${id}`);
  await cachedAnswer('/v1/jobs?limit=50');

  await elsewhere().updateTable('jobs').set({ priority: 4 }).where('id', '=', id).execute();
  await waitFor('the job read shows the priority set elsewhere', async () => (await read(`/v1/jobs/${id}`)).body.priority === 4);
  await waitFor('the list shows it', async () => (await read('/v1/jobs?limit=50')).body.items!.find((j) => j.id === id)!.priority === 4);

  await cachedAnswer(`/v1/jobs/${id}`);
  await elsewhere()
    .insertInto('job_events')
    .values({ job_id: id, from_state: 'failed', to_state: 'failed', actor: 'psql', reason: 'noted elsewhere' })
    .execute();
  await waitFor('the job read shows the event added elsewhere', async () =>
    ((await read(`/v1/jobs/${id}`)).body.events as { reason: string }[]).some((e) => e.reason === 'noted elsewhere'),
  );
});

test('while notifications are lost nothing is answered from memory, and what changed meanwhile shows after', async (ctx) => {
  const id = await submit('libcache-lost', '1.0+stubdom1');
  await t.db.updateTable('jobs').set({ state: 'failed', reason: 'build-error: test' }).where('id', '=', id).execute();
  await cachedAnswer(`/v1/jobs/${id}`);
  if (!process.env.DATABASE_URL) {
    // One process, one connection: its notifications cannot be lost. What is left to show is
    // that a change made around the write watch still arrives.
    await elsewhere().updateTable('jobs').set({ priority: 2 }).where('id', '=', id).execute();
    await waitFor('the change shows', async () => (await read(`/v1/jobs/${id}`)).body.priority === 2);
    return;
  }
  ctx.diagnostic('postgres: the LISTEN connection is cut');
  const listenPids = async () =>
    (
      await sql<{ pid: number }>`select pid from pg_stat_activity
        where application_name = 'stubbuild listen' and datname = current_database()`.execute(t.db)
    ).rows.map((r) => r.pid);
  const [pid] = await listenPids();
  assert.ok(pid, 'the service listens');
  await sql`select pg_terminate_backend(${pid}::int)`.execute(t.db);
  // Changed while nobody listens: no NOTIFY will ever tell of it.
  await elsewhere().updateTable('jobs').set({ priority: 5 }).where('id', '=', id).execute();
  // Without the reconnect's "notifications were missed" the old answer would be kept for ever.
  await waitFor('the job read shows the change made while nobody listened', async () => (await read(`/v1/jobs/${id}`)).body.priority === 5);
  await waitFor('the service listens again', async () => (await listenPids()).some((p) => p !== pid));
  // Listening again: answers come from memory once more.
  await cachedAnswer(`/v1/jobs/${id}`);
});

/** Asks `cache` for job `id`: its answer, and whether `json` had to be read for it. */
async function ask(cache: JobReadCache, id: number, json = '{"read":true}', waiting = false): Promise<{ answer: string; read: boolean }> {
  let read = false;
  const answer = await cache.job(id, async () => {
    read = true;
    return { json: Buffer.from(json), waiting };
  });
  return { answer: answer.toString(), read };
}

test("this process's writes forget what they change before any NOTIFY; a write elsewhere leaves it; a read begun before a write is not kept", async () => {
  // Notifications never come here: only the write watch of the handle can make the cache forget.
  const handle = await createTestDatabase();
  const cache = new JobReadCache(1 << 20);
  await cache.start(async () => async () => undefined, handle.writes);
  try {
    const token = await createToken(handle.db, { role: 'submit', name: 'watch' });
    const { id } = await handle.db
      .insertInto('jobs')
      .values({ source: 'libwatch', version: '1.0+b1', arch: 'stubdom-amd64', state: 'failed', origin: 'upload', submitted_by: token.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.deepEqual(await ask(cache, id, '{"kept":true}'), { answer: '{"kept":true}', read: true });
    assert.deepEqual(await ask(cache, id), { answer: '{"kept":true}', read: false });
    await handle.db.withoutPlugins().updateTable('jobs').set({ priority: 1 }).where('id', '=', id).execute();
    assert.deepEqual(await ask(cache, id), { answer: '{"kept":true}', read: false }, 'a write around the watch is for NOTIFY to tell');
    for (const write of [
      () => handle.db.updateTable('jobs').set({ priority: 2 }).where('id', '=', id).execute(),
      () =>
        handle.db
          .insertInto('job_events')
          .values({ job_id: id, from_state: null, to_state: 'failed', actor: 'test', reason: null })
          .execute(),
      () => sql`update jobs set priority = 3 where id = ${id}`.execute(handle.db),
      () => handle.db.deleteFrom('job_events').where('job_id', '=', id).execute(),
    ]) {
      await write();
      assert.deepEqual(await ask(cache, id, '{"new":true}'), { answer: '{"new":true}', read: true });
    }
    // A claim that found nothing, a row lock, a write to another table: nothing forgotten.
    await handle.db.updateTable('jobs').set({ priority: 4 }).where('id', '=', -1).execute();
    await sql`select id from jobs where id = ${id} for update`.execute(handle.db);
    await handle.db.insertInto('engines').values({ id: 'watch-test' }).execute();
    assert.deepEqual(await ask(cache, id), { answer: '{"new":true}', read: false });

    await handle.db.updateTable('jobs').set({ priority: 5 }).where('id', '=', id).execute();
    const old = await cache.job(id, async () => {
      await handle.db.updateTable('jobs').set({ priority: 6 }).where('id', '=', id).execute();
      return { json: Buffer.from('{"old":true}') };
    });
    assert.equal(old.toString(), '{"old":true}');
    assert.equal((await ask(cache, id)).read, true, 'read before a write, kept after it, it could show the old job');
  } finally {
    await cache.stop();
    await handle.close();
  }
});

test('concurrent reads of a job share one read, unless a change came between; nothing is answered while notifications are lost', async () => {
  let lose: (() => void) | undefined;
  let notify: ((payload: string) => void) | undefined;
  const cache = new JobReadCache(1 << 20);
  await cache.start(async (_channel, onNotify, onLost) => {
    notify = onNotify;
    lose = onLost;
    return async () => undefined;
  }, undefined);
  // Each read waits until the test lets it finish.
  const releases: (() => void)[] = [];
  const slowRead = async () => {
    const n = releases.length + 1;
    await new Promise<void>((resolve) => releases.push(resolve));
    return { json: Buffer.from(`{"read":${n}}`) };
  };
  const first = cache.job(1, slowRead);
  const second = cache.job(1, slowRead);
  releases[0]!();
  assert.deepEqual((await Promise.all([first, second])).map(String), ['{"read":1}', '{"read":1}']);
  assert.equal(releases.length, 1);

  notify!('1');
  const before = cache.job(1, slowRead);
  notify!('1');
  const after = cache.job(1, slowRead);
  assert.equal(releases.length, 3, 'a read begun after the change does not join one begun before it');
  for (const release of releases) release();
  assert.deepEqual((await Promise.all([before, after])).map(String), ['{"read":2}', '{"read":3}']);

  assert.equal((await ask(cache, 2, '{"two":true}')).read, true);
  assert.equal((await ask(cache, 2)).read, false);
  notify!('*');
  assert.equal((await ask(cache, 2)).read, true);
  lose!();
  assert.equal((await ask(cache, 2)).read, true, 'nothing answered from memory while lost');
  assert.equal((await ask(cache, 2)).read, true, 'nor kept');
  notify!('');
  assert.equal((await ask(cache, 2, '{"back":true}')).read, true);
  assert.deepEqual(await ask(cache, 2), { answer: '{"back":true}', read: false });
  await cache.stop();
});

test("a waiting job's answer is read again once it is old, behind answers from memory", async () => {
  const cache = new JobReadCache(1 << 20, 50);
  await cache.start(async () => async () => undefined, undefined);
  assert.equal((await ask(cache, 3, '{"place":1}', true)).read, true);
  assert.deepEqual(await ask(cache, 3, '{"place":2}', true), { answer: '{"place":1}', read: false });
  await new Promise((resolve) => setTimeout(resolve, 60));
  // Old: answered from memory, and read again behind the answer.
  assert.deepEqual(await ask(cache, 3, '{"place":2}', true), { answer: '{"place":1}', read: true });
  await waitFor('the new answer is kept', async () => (await ask(cache, 3, '{"place":3}', true)).answer === '{"place":2}');
  await cache.stop();
});

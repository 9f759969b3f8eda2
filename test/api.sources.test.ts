// GET /v1/sources: each source's latest job, its cause when it failed, what a waiting one is
// blocked by — the cross-buildability of the repository at a glance.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertJob } from './helpers/dependency-fixtures.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  // An older failure of zlib, then its port published: the latest job counts.
  const old = await insertJob(t.db, { state: 'failed', source: 'zlib', version: '1:1.2.13.dfsg-1' });
  await t.db
    .updateTable('jobs')
    .set({ cause_class: 'shared-library', reason: 'shared-library: x86_64-xen-elf-gcc: error: -shared is not supported' })
    .where('id', '=', old)
    .execute();
  await insertJob(t.db, { state: 'published', source: 'zlib', version: '1:1.2.13.dfsg-1+stubdom1' });
  const expat = await insertJob(t.db, { state: 'failed', source: 'expat', version: '2.5.0-1' });
  await t.db
    .updateTable('jobs')
    .set({ cause_class: 'shared-library', reason: 'shared-library: dh_install: warning: libexpat1 missing files: usr/lib/*/libexpat.so.*' })
    .where('id', '=', expat)
    .execute();
  const xz = await insertJob(t.db, { state: 'failed', source: 'xz-utils', version: '5.4.1-0.2' });
  await t.db
    .updateTable('jobs')
    .set({ cause_class: 'compile', reason: 'compile: mythread.h:95:10: fatal error: pthread.h: No such file or directory' })
    .where('id', '=', xz)
    .execute();
  await insertJob(t.db, {
    state: 'dep-wait',
    source: 'nettle',
    version: '3.8.1-2',
    unmetRelations: ['libgmp-dev:stubdom-amd64 (>= 2:6.0)'],
  });
});
after(() => t?.close());

type Item = {
  source: string;
  version: string | null;
  state: string;
  causeClass: string | null;
  reason: string | null;
  jobId: number;
  blockedBy: string[];
};
const get = async (query = '') =>
  (await t.app.inject({ method: 'GET', url: `/v1/sources${query}` })).json() as {
    items: Item[];
    counts: Record<string, number>;
    nextCursor: string | null;
  };

test('each source once, as its latest job left it, by name; the counts sum it up', async () => {
  const all = await get();
  assert.deepEqual(
    all.items.map((i) => [i.source, i.version, i.state, i.causeClass]),
    [
      ['expat', '2.5.0-1', 'failed', 'shared-library'],
      ['nettle', '3.8.1-2', 'dep-wait', null],
      ['xz-utils', '5.4.1-0.2', 'failed', 'compile'],
      ['zlib', '1:1.2.13.dfsg-1+stubdom1', 'published', null],
    ],
  );
  assert.deepEqual(all.items.find((i) => i.source === 'nettle')!.blockedBy, ['libgmp-dev:stubdom-amd64 (>= 2:6.0)']);
  assert.deepEqual(all.counts, { failed: 2, 'dep-wait': 1, published: 1 });
});

test('filters by state and by cause class read like a fail log', async () => {
  const shared = await get('?causeClass=shared-library');
  assert.deepEqual(
    shared.items.map((i) => [i.source, i.reason]),
    [['expat', 'shared-library: dh_install: warning: libexpat1 missing files: usr/lib/*/libexpat.so.*']],
  );
  const failed = await get('?state=failed');
  assert.deepEqual(
    failed.items.map((i) => i.source),
    ['expat', 'xz-utils'],
  );
  const unknown = await t.app.inject({ method: 'GET', url: '/v1/sources?causeClass=weather' });
  assert.equal(unknown.statusCode, 400);
});

test('pages follow nextCursor without repeats', async () => {
  const first = await get('?limit=3');
  assert.equal(first.items.length, 3);
  const second = await get(`?limit=3&cursor=${first.nextCursor}`);
  assert.deepEqual(
    second.items.map((i) => i.source),
    ['zlib'],
  );
  assert.equal(second.nextCursor, null);
});

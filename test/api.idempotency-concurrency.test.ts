import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('twenty concurrent POSTs with one Idempotency-Key create exactly one job', async () => {
  const backend = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...bearer(t.submitToken), 'idempotency-key': 'release-2026-11-27' },
        payload: { source: 'zlib', version: '1:1.2.13.dfsg-1' },
      }),
    ),
  );
  assert.deepEqual(new Set(answers.map((a) => a.statusCode)), new Set([202]));
  const ids = new Set(answers.map((a) => a.json().id as number));
  assert.equal(ids.size, 1, 'every answer names the same job');
  const jobs = await t.db.selectFrom('jobs').select('id').where('source', '=', 'zlib').execute();
  assert.equal(jobs.length, 1, 'exactly one job row');
  const replays = answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length;
  assert.equal(replays, 19);
  console.log(`# ${backend}: 20 concurrent submissions -> 1 job, 19 replays`);
});

// NOTIFY wakes the scheduler: a submission is claimed at once, with the poll an hour away; on
// PostgreSQL the LISTEN connection comes back by itself after it is cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createScheduledApp, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { waitFor } from './helpers/wait-for.ts';
import { outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';
import { bearer } from './helpers/test-app.ts';
import { multipartBody } from './helpers/source-package.ts';
import { quickSource } from './helpers/quick-builds.ts';

// No poll during the test: only a notification can wake the scheduler.
const settings = { pollMs: 3_600_000, heartbeatMs: 1_000, leaseMs: 10_000 };

test('a submission through the API is claimed at once by its NOTIFY, without polling', async (t) => {
  const engine = new ScriptedBuilder(`wake-${process.pid}`, 1, outcomes.buildError());
  const app = await createScheduledApp([engine], settings);
  t.after(() => app.close());
  await app.pipeline!.start();
  for (const name of ['wake-a', 'wake-b']) {
    const body = multipartBody(quickSource(name));
    const res = await app.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(app.submitToken), ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 202, res.body);
    const answered = Date.now();
    const id = res.json().id as number;
    await waitFor(`job ${id} to be claimed`, async () => (engine.requests.some((r) => r.jobId === id) ? true : undefined), {
      stallMs: 5_000,
    });
    t.diagnostic(`job ${id} claimed ${Date.now() - answered} ms after the answer`);
  }
});

if (process.env.DATABASE_URL) {
  test('PostgreSQL: the LISTEN connection is reopened after it is cut, and wakes the scheduler again', async (t) => {
    const engine = new ScriptedBuilder(`wake-reconnect-${process.pid}`, 1, outcomes.buildError());
    const app = await createScheduledApp([engine], settings);
    t.after(() => app.close());
    await app.pipeline!.start();
    const { rows } = await sql<{ cut: boolean }>`
      select pg_terminate_backend(pid) as cut from pg_stat_activity
      where application_name = 'stubbuild listen' and datname = current_database()`.execute(app.db);
    assert.deepEqual(
      rows.map((r) => r.cut),
      [true],
      'one LISTEN connection, cut',
    );
    await waitFor(
      'the LISTEN connection to come back',
      async () => {
        const { rows: back } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'stubbuild listen' and datname = current_database() and query like 'LISTEN%'`.execute(app.db);
        return back[0]!.n === 1 ? true : undefined;
      },
      { stallMs: 10_000 },
    );
    const id = await queueJob(app, await submitTokenId(app), 'after-reconnect');
    await waitFor(`job ${id} to be claimed`, async () => (engine.requests.some((r) => r.jobId === id) ? true : undefined), {
      stallMs: 5_000,
    });
  });
}

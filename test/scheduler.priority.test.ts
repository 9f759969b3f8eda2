// POST /v1/admin/jobs/{id}/priority: an admin reorders the queue; the claim follows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimNextJob } from '../src/scheduler/claim-job.ts';
import { queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

const setPriority = (id: number | string, body: unknown, token = t.adminToken) =>
  t.app.inject({ method: 'POST', url: `/v1/admin/jobs/${id}/priority`, headers: bearer(token), payload: body as object });

test('an admin raises a job; it answers the job and the next claim takes it first', async () => {
  const token = await submitTokenId(t);
  const older = await queueJob(t, token, 'older');
  const urgent = await queueJob(t, token, 'urgent');
  const res = await setPriority(urgent, { priority: 50 });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual([res.json().id, res.json().priority, res.json().state], [urgent, 50, 'queued']);
  const claim = (owner: string) =>
    claimNextJob(t.db, { engineId: 'priority-test', capacity: 10, owner, leaseMs: 60_000, ageingMs: 3_600_000, arches: ['stubdom-amd64'] });
  assert.equal((await claim('a'))?.jobId, urgent);
  assert.equal((await claim('b'))?.jobId, older);
});

test('refusals are problem+json: out of range, not an integer, unknown job, not an admin', async () => {
  const job = await queueJob(t, await submitTokenId(t), 'refused');
  for (const [body, status, type] of [
    [{ priority: 1001 }, 400, 'validation'],
    [{ priority: 1.5 }, 400, 'validation'],
    [{ priority: '3' }, 400, 'validation'],
    [{}, 400, 'validation'],
    [{ priority: 1, extra: true }, 400, 'validation'],
  ] as const) {
    const res = await setPriority(job, body);
    assert.equal(res.statusCode, status, JSON.stringify(body));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json().type, `urn:stubbuild:problem:${type}`);
  }
  const unknown = await setPriority(999_999, { priority: 1 });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().type, 'urn:stubbuild:problem:not-found');
  const submitter = await setPriority(job, { priority: 1 }, t.submitToken);
  assert.equal(submitter.statusCode, 403);
  const job2 = await t.db.selectFrom('jobs').select('priority').where('id', '=', job).executeTakeFirstOrThrow();
  assert.equal(job2.priority, 0, 'nothing changed');
});

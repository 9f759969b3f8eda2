// Requeue and cancel through the API, with the real scheduler and engines that run no
// container: a cancelled build is stopped and its attempt ends aborted (no fault of anyone),
// a submit token cancels only its own jobs, a requeue resets the infrastructure-fault budget,
// an archive job whose fetch failed is requeued to fetching, and the bulk requeue selects by
// the cause of the failure and by time. Every action is an event naming the token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttemptRequest } from '../src/builders/builder.ts';
import { submitJob } from '../src/jobs/submit-job.ts';
import { transitionJob } from '../src/jobs/transition-job.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { bearer } from './helpers/test-app.ts';
import { attemptsOf, createScheduledApp, eventsOf, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { waitForJob } from './helpers/wait-for-job.ts';
import { type Behaviour, outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';
import { waitFor } from './helpers/wait-for.ts';

const fast = { heartbeatMs: 200, leaseMs: 2000, backoffBaseMs: 100, engineFailureThreshold: 10 };

test('cancelling a building job stops the attempt; it ends aborted, naming the token, and no fault is counted', async (t) => {
  const engine = new ScriptedBuilder(`cancel-${process.pid}`, 1, outcomes.untilAborted());
  // A heartbeat far off: only the cancel's notification can stop the attempt within the wait.
  const app = await createScheduledApp([engine], { ...fast, heartbeatMs: 60_000, leaseMs: 180_000 });
  t.after(() => app.close());
  await app.pipeline!.start();
  const tokenId = await submitTokenId(app);
  const job = await queueJob(app, tokenId, 'endless');
  await waitForJob(app, job, ['building']);

  const res = await app.app.inject({
    method: 'POST',
    url: `/v1/jobs/${job}/cancel`,
    headers: bearer(app.submitToken),
    payload: { reason: 'wrong branch' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.state, 'cancelled');
  assert.equal(body.events.at(-1).actor, `token:${tokenId}`);
  assert.equal(body.events.at(-1).reason, `cancelled by token ${tokenId}: wrong branch`);
  assert.deepEqual(
    body.attempts.map((a: { state: string; message: string }) => [a.state, a.message]),
    [['aborted', `cancelled by token ${tokenId}: wrong branch`]],
  );
  // The builder was told to stop (its signal aborted), and the engine is not blamed.
  await waitFor('the attempt to be stopped', () => engine.requests[0]?.signal?.aborted === true, { stallMs: 20_000 });
  const engines = (await app.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(app.adminToken) })).json();
  assert.equal(engines.items[0].drained, false);
  assert.equal((await attemptsOf(app, job))[0]!.state, 'aborted');
});

test('a submit token may cancel only its own jobs (403), an admin any; a published or publishing job answers 409', async (t) => {
  const app = await createScheduledApp([], fast);
  t.after(() => app.close());
  const other = await createToken(app.db, { role: 'submit', name: 'other' });
  const mine = await queueJob(app, await submitTokenId(app), 'mine');
  const theirs = await queueJob(app, other.id, 'theirs');

  const forbidden = await app.app.inject({ method: 'POST', url: `/v1/jobs/${theirs}/cancel`, headers: bearer(app.submitToken) });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(forbidden.json().type, 'urn:stubbuild:problem:forbidden');
  assert.equal(
    (await app.app.inject({ method: 'POST', url: `/v1/jobs/${mine}/cancel`, headers: bearer(app.submitToken) })).statusCode,
    200,
  );
  const byAdmin = await app.app.inject({ method: 'POST', url: `/v1/jobs/${theirs}/cancel`, headers: bearer(app.adminToken) });
  assert.equal(byAdmin.statusCode, 200);
  assert.equal(byAdmin.json().state, 'cancelled');

  const again = await app.app.inject({ method: 'POST', url: `/v1/jobs/${mine}/cancel`, headers: bearer(app.submitToken) });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().type, 'urn:stubbuild:problem:illegal-transition');
  const requeueQueued = await queueJob(app, other.id, 'waiting');
  const refused = await app.app.inject({ method: 'POST', url: `/v1/admin/jobs/${requeueQueued}/requeue`, headers: bearer(app.adminToken) });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().type, 'urn:stubbuild:problem:illegal-transition');
  const notAdmin = await app.app.inject({ method: 'POST', url: `/v1/admin/jobs/${mine}/requeue`, headers: bearer(app.submitToken) });
  assert.equal(notAdmin.statusCode, 403);
});

test('requeue of a job failed by infrastructure faults gives it a fresh budget and no backoff', async (t) => {
  const engine = new ScriptedBuilder(`requeue-faults-${process.pid}`, 1, outcomes.infrastructure('engine hiccup'));
  const app = await createScheduledApp([engine], { ...fast, maxInfrastructureAttempts: 2 });
  t.after(() => app.close());
  await app.pipeline!.start();
  const job = await queueJob(app, await submitTokenId(app), 'flaky');
  await waitForJob(app, job, ['failed']);
  assert.equal((await attemptsOf(app, job)).length, 2);

  // After the requeue: one more fault, then an attempt that runs until stopped.
  let calls = 0;
  engine.behaviour = (request) => (calls++ === 0 ? outcomes.infrastructure('engine hiccup again') : outcomes.untilAborted())(request);
  const res = await app.app.inject({
    method: 'POST',
    url: `/v1/admin/jobs/${job}/requeue`,
    headers: bearer(app.adminToken),
    payload: { reason: 'engine fixed' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const requeued = res.json().events.find((e: { from: string }) => e.from === 'failed');
  assert.deepEqual([requeued.to, requeued.reason], ['queued', 'engine fixed']);
  assert.match(requeued.actor, /^token:/);
  // The fault after the requeue is the first of a fresh budget of two: given back, not failed.
  await waitFor(
    'the fourth attempt to run',
    async () =>
      (await attemptsOf(app, job)).length === 4 &&
      (await app.db.selectFrom('jobs').select('state').where('id', '=', job).executeTakeFirstOrThrow()).state === 'building',
  );
  const events = await eventsOf(app, job);
  const afterRequeue = events.slice(events.findIndex((e) => e.reason === 'engine fixed'));
  assert.deepEqual(
    afterRequeue.map((e) => e.to_state),
    ['queued', 'building', 'queued', 'building'],
  );
  assert.match(String(afterRequeue[2]!.reason), /infrastructure fault 1 of at most 2/);
  const row = await app.db.selectFrom('jobs').select('faults_counted_after').where('id', '=', job).executeTakeFirstOrThrow();
  assert.equal(row.faults_counted_after, 2);
});

test('a failed archive job whose fetch failed is requeued to fetching, with its fetch attempts reset', async (t) => {
  const app = await createScheduledApp([], fast);
  t.after(() => app.close());
  const { job } = await submitJob(app.db, {
    tokenId: await submitTokenId(app),
    job: { origin: 'archive', source: 'zlib', version: null, suite: 'bookworm', arch: 'stubdom-amd64', files: [], state: 'fetching' },
  });
  await app.db.updateTable('jobs').set({ fetch_attempts: 5 }).where('id', '=', job.id).execute();
  await transitionJob(app.db, { jobId: job.id, to: 'failed', actor: 'fetcher', reason: 'source package zlib is not in bookworm main' });
  const res = await app.app.inject({ method: 'POST', url: `/v1/admin/jobs/${job.id}/requeue`, headers: bearer(app.adminToken) });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().state, 'fetching');
  const row = await app.db
    .selectFrom('jobs')
    .select(['fetch_attempts', 'fetch_lease_owner'])
    .where('id', '=', job.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { fetch_attempts: 0, fetch_lease_owner: null });
});

test('bulk requeue selects failed jobs by the cause of their failure and by time, and answers their ids', async (t) => {
  const behaviours = new Map<number, Behaviour>();
  const engine = new ScriptedBuilder(`bulk-${process.pid}`, 2, (request: AttemptRequest) => behaviours.get(request.jobId)!(request));
  const app = await createScheduledApp([engine], { ...fast, maxInfrastructureAttempts: 1 });
  t.after(() => app.close());
  await app.pipeline!.start();
  const tokenId = await submitTokenId(app);
  const queue = async (source: string, behaviour: Behaviour) => {
    const id = await queueJob(app, tokenId, source);
    behaviours.set(id, behaviour);
    return id;
  };
  const broken = await queue('broken', outcomes.buildError());
  const outage = await queue('outage', outcomes.infrastructure('engine lost'));
  await waitForJob(app, broken, ['failed']);
  await waitForJob(app, outage, ['failed']);
  const since = new Date();
  const later = await queue('later-outage', outcomes.infrastructure('engine lost again'));
  await waitForJob(app, later, ['failed']);
  for (const id of [outage, later]) behaviours.set(id, outcomes.untilAborted());

  const empty = await app.app.inject({ method: 'POST', url: '/v1/admin/jobs/requeue', headers: bearer(app.adminToken), payload: {} });
  assert.equal(empty.statusCode, 400);
  const recent = await app.app.inject({
    method: 'POST',
    url: '/v1/admin/jobs/requeue',
    headers: bearer(app.adminToken),
    payload: { reasonKind: 'infrastructure', since: since.toISOString(), reason: 'after the outage' },
  });
  assert.equal(recent.statusCode, 200, recent.body);
  assert.deepEqual(recent.json(), { count: 1, ids: [later] });
  const all = await app.app.inject({
    method: 'POST',
    url: '/v1/admin/jobs/requeue',
    headers: bearer(app.adminToken),
    payload: { reasonKind: 'infrastructure' },
  });
  assert.deepEqual(all.json(), { count: 1, ids: [outage] });
  assert.equal((await eventsOf(app, broken)).at(-1)!.to_state, 'failed', 'the build error is not an infrastructure fault');
  const event = (await eventsOf(app, later)).find((e) => e.reason === 'after the outage');
  assert.ok(event && event.actor.startsWith('token:') && event.from_state === 'failed' && event.to_state === 'queued');
});

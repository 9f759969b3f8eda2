// Leases on build attempts, through the real scheduler (claim, heartbeat, sweep, settle) with
// engines that run no container: a dead process's attempt is given back once its lease runs
// out; a renewal that finds the lease gone (expired, or the job cancelled) stops the attempt;
// stopping the service gives its attempts back at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { transitionJob } from '../src/jobs/transition-job.ts';
import { claimNextJob } from '../src/scheduler/claim-job.ts';
import { attemptsOf, createScheduledApp, eventsOf, jobState, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { waitFor } from './helpers/wait-for.ts';
import { waitForJob } from './helpers/wait-for-job.ts';
import { outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';

const settings = { leaseMs: 1500, heartbeatMs: 250, pollMs: 100, backoffBaseMs: 100 };

test("an attempt whose process died holds its engine's capacity until its lease runs out; then it is given back and built by a live process", async (t) => {
  const engine = new ScriptedBuilder(`lease-dead-${process.pid}`, 1, outcomes.buildError());
  // Long enough that it never runs out by itself in this test: the test ends it below.
  const leaseMs = 3_600_000;
  const app = await createScheduledApp([engine], { ...settings, leaseMs });
  t.after(() => app.close());
  const token = await submitTokenId(app);
  const orphaned = await queueJob(app, token, 'orphaned');
  // A service process that claims and then dies: it never renews.
  const dead = await claimNextJob(app.db, {
    engineId: engine.id,
    capacity: 1,
    owner: 'scheduler:gone:1:dead00',
    leaseMs,
    ageingMs: 3_600_000,
    arches: ['stubdom-amd64'],
  });
  assert.equal(dead?.jobId, orphaned);
  const waiting = await queueJob(app, token, 'waiting');
  await app.pipeline!.start();

  // While the dead lease lasts, the live scheduler's claim rounds find the engine full.
  const rounds = () => app.pipeline!.dispatcher.claimRounds;
  const from = rounds();
  await waitFor('ten claim rounds of the live scheduler', () => rounds() - from >= 10, { progress: rounds });
  assert.equal(await jobState(app, waiting), 'queued', 'the engine is full while the dead lease lasts');
  assert.equal(engine.requests.length, 0);

  // The lease runs out (as if an hour had passed).
  const ranOut = await sql<{
    at: Date;
  }>`update attempts set lease_until = now() where job_id = ${orphaned} returning lease_until as at`.execute(app.db);
  await waitForJob(app, orphaned, ['failed']);
  await waitForJob(app, waiting, ['failed']);
  const events = await eventsOf(app, orphaned);
  assert.deepEqual(
    events.map((e) => [e.from_state, e.to_state, e.actor]),
    [
      [null, 'queued', `token:${token}`],
      ['queued', 'building', 'scheduler'],
      ['building', 'queued', 'scheduler'],
      ['queued', 'building', 'scheduler'],
      ['building', 'failed', 'scheduler'],
    ],
  );
  assert.match(
    String(events[2]!.reason),
    /^lease expired: attempt 1 on engine lease-dead-\d+, held by scheduler:gone:1:dead00, was not renewed$/,
  );
  assert.ok(events[2]!.created_at.getTime() >= ranOut.rows[0]!.at.getTime(), 'given back only once the lease had run out');
  const attempts = await attemptsOf(app, orphaned);
  assert.deepEqual(
    attempts.map((a) => [a.number, a.state, a.reason, a.lease_owner]),
    [
      [1, 'infrastructure', 'lease-expired', 'scheduler:gone:1:dead00'],
      [2, 'failed', 'build-error', app.pipeline!.dispatcher.owner],
    ],
  );
});

test('a renewal that finds the lease gone stops the attempt, and the job is given back', async (t) => {
  const engine = new ScriptedBuilder(`lease-lost-${process.pid}`, 1, outcomes.untilAborted());
  const app = await createScheduledApp([engine], settings);
  t.after(() => app.close());
  await app.pipeline!.start();
  const job = await queueJob(app, await submitTokenId(app), 'stalls');
  const first = await waitFor('the attempt to run', async () => engine.requests[0]);

  // As if this process had been cut off from the database for longer than the lease.
  await sql`update attempts set lease_until = now() - interval '1 second' where job_id = ${job}`.execute(app.db);
  await waitFor('the attempt to be stopped', async () => (first.signal?.aborted ? true : undefined));

  // Given back (by the sweeper or by the attempt itself, whichever came first) and run again.
  await waitFor('a second attempt', async () => engine.requests[1]);
  const attempts = await attemptsOf(app, job);
  assert.deepEqual(
    attempts.map((a) => [a.number, a.state, a.reason]),
    [
      [1, 'infrastructure', 'lease-expired'],
      [2, 'running', null],
    ],
  );
  const events = await eventsOf(app, job);
  assert.deepEqual(
    events.slice(2, 3).map((e) => [e.from_state, e.to_state, e.actor]),
    [['building', 'queued', 'scheduler']],
  );
  assert.match(String(events[2]!.reason), /^lease (expired|lost)/);
});

test('a job cancelled while it builds: the next renewal stops the attempt, which is closed as aborted', async (t) => {
  const engine = new ScriptedBuilder(`lease-cancel-${process.pid}`, 1, outcomes.untilAborted());
  const app = await createScheduledApp([engine], settings);
  t.after(() => app.close());
  await app.pipeline!.start();
  const job = await queueJob(app, await submitTokenId(app), 'cancelme');
  const request = await waitFor('the attempt to run', async () => engine.requests[0]);
  await transitionJob(app.db, { jobId: job, to: 'cancelled', actor: 'test', reason: 'not wanted' });
  await waitFor('the attempt to be stopped', async () => (request.signal?.aborted ? true : undefined));
  const attempt = await waitFor('the attempt to be closed', async () => {
    const [a] = await attemptsOf(app, job);
    return a?.state === 'running' ? undefined : a;
  });
  assert.deepEqual([attempt.state, attempt.message], ['aborted', 'the job became cancelled while it was building']);
  assert.equal(await jobState(app, job), 'cancelled');
  assert.equal(engine.requests.length, 1);
});

test('stopping the service gives its running attempts back to the queue at once', async (t) => {
  const engine = new ScriptedBuilder(`lease-stop-${process.pid}`, 2, outcomes.untilAborted());
  const app = await createScheduledApp([engine], settings);
  t.after(() => app.close());
  await app.pipeline!.start();
  const token = await submitTokenId(app);
  const jobs = [await queueJob(app, token, 'stop-a'), await queueJob(app, token, 'stop-b')];
  await waitFor('both attempts to run', async () => engine.requests[1]);
  // Given back by the stop itself, not by a lease running out (leases here last 1.5 s and are
  // renewed; nothing sweeps after the stop).
  await app.pipeline!.stop();
  for (const job of jobs) {
    assert.equal(await jobState(app, job), 'queued');
    const events = await eventsOf(app, job);
    assert.deepEqual([events.at(-1)!.actor, events.at(-1)!.reason], ['scheduler', 'given back: the service is stopping']);
    assert.deepEqual(
      (await attemptsOf(app, job)).map((a) => a.state),
      ['aborted'],
    );
  }
});

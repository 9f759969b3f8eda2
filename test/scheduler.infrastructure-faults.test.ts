// Infrastructure faults through the real scheduler, with engines that run no container: the
// job is retried after an exponential backoff and failed after N attempts; an engine that
// faults K times in a row is drained (reason shown by GET /v1/admin/engines) until resumed;
// a job that faulted on K engines is blamed instead; the package's own failure is not retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearer } from './helpers/test-app.ts';
import { attemptsOf, createScheduledApp, eventsOf, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { waitFor } from './helpers/wait-for.ts';
import { waitForJob } from './helpers/wait-for-job.ts';
import { type Behaviour, outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';

test('an infrastructure fault gives the job back after a doubling backoff; after N attempts it fails, saying why', async (t) => {
  const engine = new ScriptedBuilder(`faults-retry-${process.pid}`, 1, outcomes.infrastructure('docker daemon went away'));
  const backoffBaseMs = 300;
  const app = await createScheduledApp([engine], {
    maxInfrastructureAttempts: 3,
    engineFailureThreshold: 10,
    backoffBaseMs,
    // leases play no part here: long enough that a loaded machine never loses one
    heartbeatMs: 1000,
    leaseMs: 60_000,
  });
  t.after(() => app.close());
  await app.pipeline!.start();
  const job = await queueJob(app, await submitTokenId(app), 'flaky');
  await waitForJob(app, job, ['failed'], { stallMs: 30_000 });

  const attempts = await attemptsOf(app, job);
  assert.deepEqual(
    attempts.map((a) => [a.state, a.reason]),
    [
      ['infrastructure', 'engine'],
      ['infrastructure', 'engine'],
      ['infrastructure', 'engine'],
    ],
  );
  const events = await eventsOf(app, job);
  assert.equal(events.at(-1)!.reason, 'infrastructure: docker daemon went away (3 attempts)');
  const givenBack = events.filter((e) => e.from_state === 'building' && e.to_state === 'queued');
  assert.deepEqual(
    givenBack.map((e) => e.reason),
    [
      'given back: docker daemon went away; retried after 0.3 s (infrastructure fault 1 of at most 3)',
      'given back: docker daemon went away; retried after 0.6 s (infrastructure fault 2 of at most 3)',
    ],
  );
  // Each retry starts no sooner than its backoff after the fault before it.
  for (const n of [1, 2]) {
    const waited = attempts[n]!.started_at.getTime() - attempts[n - 1]!.finished_at!.getTime();
    assert.ok(waited >= backoffBaseMs * 2 ** (n - 1) - 20, `retry ${n} started ${waited} ms after the fault`);
  }
});

test('an engine that faults K times in a row is drained, saying so in GET /v1/admin/engines; resume brings it back', async (t) => {
  const engine = new ScriptedBuilder(`faults-drain-${process.pid}`, 1, outcomes.infrastructure('cannot create volume'));
  const app = await createScheduledApp([engine], {
    maxInfrastructureAttempts: 5,
    engineFailureThreshold: 3,
    backoffBaseMs: 100,
    // leases play no part here: long enough that a loaded machine never loses one
    heartbeatMs: 1000,
    leaseMs: 60_000,
  });
  t.after(() => app.close());
  await app.pipeline!.start();
  const token = await submitTokenId(app);
  const jobs = [await queueJob(app, token, 'drain-a'), await queueJob(app, token, 'drain-b'), await queueJob(app, token, 'drain-c')];

  const listEngines = async () =>
    (await app.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(app.adminToken) })).json().items as {
      id: string;
      drained: boolean;
      drainReason: string | null;
    }[];
  const drained = await waitFor('the engine to be drained', async () => (await listEngines()).find((e) => e.drained));
  assert.equal(drained.id, engine.id);
  assert.match(
    String(drained.drainReason),
    /^drained automatically: 3 infrastructure faults in a row \(last: job \d+ attempt \d+: cannot create volume\); resume it once fixed$/,
  );
  assert.equal(engine.requests.length, 3, 'exactly K attempts ran before the drain');

  // Drained: nothing more starts, the jobs wait queued.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(engine.requests.length, 3);
  for (const job of jobs)
    assert.equal((await app.db.selectFrom('jobs').select('state').where('id', '=', job).executeTakeFirstOrThrow()).state, 'queued');

  // Fixed and resumed: the package's own failure now, which is final at the first attempt.
  engine.behaviour = outcomes.buildError();
  const resumed = await app.app.inject({ method: 'POST', url: `/v1/admin/engines/${engine.id}/resume`, headers: bearer(app.adminToken) });
  assert.equal(resumed.statusCode, 200);
  for (const job of jobs) await waitForJob(app, job, ['failed']);
  for (const job of jobs) {
    assert.deepEqual((await attemptsOf(app, job)).map((a) => a.state).slice(-1), ['failed']);
    // Classed by the log (which says nothing here), worded by the builder.
    assert.equal(String((await eventsOf(app, job)).at(-1)!.reason), 'other: it does not compile');
  }
  assert.equal(engine.requests.length, 6, 'one more attempt each: a build error is not retried');
});

test('a job that faulted on K different engines is blamed and failed; no engine is drained', async (t) => {
  const blamedSource = 'poison';
  // Each engine fails the poisonous job and nothing else.
  const behaviour = (): Behaviour => async (request) =>
    request.jobId === poison
      ? { kind: 'infrastructure', message: `engine crashed running job ${request.jobId}` }
      : outcomes.buildError()(request);
  let poison = 0;
  const engines = [1, 2, 3].map((n) => new ScriptedBuilder(`faults-blame${n}-${process.pid}`, 1, behaviour()));
  const app = await createScheduledApp(engines, {
    maxInfrastructureAttempts: 5,
    engineFailureThreshold: 3,
    backoffBaseMs: 100,
    // leases play no part here: long enough that a loaded machine never loses one
    heartbeatMs: 1000,
    leaseMs: 60_000,
  });
  t.after(() => app.close());
  poison = await queueJob(app, await submitTokenId(app), blamedSource);
  await app.pipeline!.start();
  await waitForJob(app, poison, ['failed'], { stallMs: 30_000 });

  const attempts = await attemptsOf(app, poison);
  assert.deepEqual(attempts.map((a) => a.engine_id).sort(), engines.map((e) => e.id).sort(), 'one attempt on each engine');
  assert.deepEqual(
    attempts.map((a) => a.reason),
    ['engine', 'engine', 'job-blamed'],
  );
  assert.match(
    String((await eventsOf(app, poison)).at(-1)!.reason),
    /^infrastructure: faults on 3 different engines \(.+\), so the job is blamed rather than the engines; last: engine crashed running job \d+$/,
  );
  const views = (await app.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(app.adminToken) })).json().items as {
    drained: boolean;
  }[];
  assert.deepEqual(
    views.map((e) => e.drained),
    [false, false, false],
  );
});

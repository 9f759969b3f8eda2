// The claim's order (src/scheduler/claim-order.ts) at the database level, through the real
// claim statement: fair share between submitting tokens, priority, ageing, backoff, capacity.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import { submitJob } from '../src/jobs/submit-job.ts';
import { transitionJob } from '../src/jobs/transition-job.ts';
import { type ClaimedAttempt, claimNextJob } from '../src/scheduler/claim-job.ts';
import { isClaimedBefore, isReadyToClaim } from '../src/scheduler/claim-order.ts';
import { defaultSchedulerSettings } from '../src/scheduler/dispatcher.ts';
import { settleAttempt } from '../src/scheduler/settle-attempt.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { createTestDatabase } from './helpers/test-db.ts';
import { waitFor } from './helpers/wait-for.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let engine = 0;
let engineId = '';

before(async () => {
  handle = await createTestDatabase();
});
after(() => handle.close());
// Each test on an engine of its own, so attempts left running by one do not fill the next.
beforeEach(() => {
  engine += 1;
  engineId = `fair-${engine}`;
});
// Nothing a test leaves queued is claimed by the next.
afterEach(async () => {
  await sql`update jobs set state = 'cancelled' where state = 'queued'`.execute(handle.db);
});

async function token(): Promise<string> {
  return (await createToken(handle.db, { role: 'submit' })).id;
}

async function submit(tokenId: string, source: string): Promise<number> {
  const { job } = await submitJob(handle.db, {
    tokenId,
    job: { origin: 'upload', source, version: null, suite: null, arch: 'stubdom-amd64', files: [], state: 'queued' },
  });
  return job.id;
}

function claim(capacity = 1000): Promise<ClaimedAttempt | undefined> {
  return claimNextJob(handle.db, {
    engineId,
    capacity,
    owner: 'test-scheduler',
    leaseMs: 60_000,
    ageingMs: 3_600_000,
    arches: ['stubdom-amd64'],
  });
}

/** Ends a claimed attempt as the package's own failure, through the real settle path. */
async function finish(claimed: ClaimedAttempt): Promise<void> {
  const settled = await settleAttempt(
    handle.db,
    claimed,
    { kind: 'failed', reason: 'build-error', message: 'test', provenance: null },
    defaultSchedulerSettings,
    { stoppedBy: null },
  );
  assert.deepEqual(settled, { kind: 'settled', jobState: 'failed' });
}

test("300 jobs of one token queued first, then one of another: the other's job is claimed within two claims", async () => {
  const bulk = await token();
  const single = await token();
  for (let i = 0; i < 300; i += 1) await submit(bulk, `bulk${i}`);
  const lone = await submit(single, 'lone');

  const { ahead } = await handle.db
    .selectFrom('jobs')
    .select(sql<number>`count(*)::int`.as('ahead'))
    .where(isReadyToClaim())
    .where(isClaimedBefore({ id: lone }))
    .executeTakeFirstOrThrow();
  assert.equal(ahead, 1, 'explain-job counts one job ahead of it');

  const order: number[] = [];
  for (let i = 0; i < 6; i += 1) order.push((await claim())!.jobId);
  assert.ok(order.slice(0, 2).includes(lone), `claims: ${order.join(', ')}; the lone job is ${lone}`);
});

test('with one slot (nothing running at each claim), the token served least recently goes next', async () => {
  const bulk = await token();
  const single = await token();
  for (let i = 0; i < 20; i += 1) await submit(bulk, `slot${i}`);
  const first = (await claim(1))!;
  await finish(first);
  const lone = await submit(single, 'slot-lone');
  const second = (await claim(1))!;
  assert.equal(second.jobId, lone, 'the other token is served before the bulk token again');
  await finish(second);
  const third = (await claim(1))!;
  const owner = await handle.db.selectFrom('jobs').select('submitted_by').where('id', '=', third.jobId).executeTakeFirstOrThrow();
  assert.equal(owner.submitted_by, bulk);
  await finish(third);
});

test('a higher priority is claimed first; a lower one once it has waited long enough (ageing)', async () => {
  const [a, b, c] = [await token(), await token(), await token()];
  const low = await submit(a, 'low');
  const normal = await submit(b, 'normal');
  await handle.db.updateTable('jobs').set({ priority: -2 }).where('id', '=', low).execute();
  const high = await submit(c, 'high');
  await handle.db.updateTable('jobs').set({ priority: 5 }).where('id', '=', high).execute();

  assert.equal((await claim())!.jobId, high);
  // One hour of waiting is one point: -2 after an hour is still below a fresh 0 …
  await sql`update jobs set queued_at = now() - interval '1 hour' where id = ${low}`.execute(handle.db);
  const ahead = await handle.db
    .selectFrom('jobs')
    .select('id')
    .where(isReadyToClaim())
    .where(isClaimedBefore({ id: low }))
    .execute();
  assert.deepEqual(
    ahead.map((r) => r.id),
    [normal],
  );
  // … and above it after three.
  await sql`update jobs set queued_at = now() - interval '3 hours' where id = ${low}`.execute(handle.db);
  assert.equal((await claim())!.jobId, low);
  assert.equal((await claim())!.jobId, normal);
});

test('a job woken from dep-wait keeps its place: claimed before what its token submitted while it waited', async () => {
  const t = await token();
  const woken = await submit(t, 'waits-for-a-library');
  await transitionJob(handle.db, { jobId: woken, to: 'dep-wait', actor: 'scheduler', reason: 'libfoo-dev' });
  await sql`update jobs set queued_at = now() - interval '20 minutes' where id = ${woken}`.execute(handle.db);
  const later = await submit(t, 'submitted-meanwhile');
  await transitionJob(handle.db, { jobId: woken, to: 'queued', actor: 'scheduler', from: ['dep-wait'] });
  assert.equal((await claim())!.jobId, woken);
  assert.equal((await claim())!.jobId, later);
  // a requeue after a failure is a new request: it goes to the back of its token's line
  const failed = await submit(t, 'failed-once');
  await sql`update jobs set queued_at = now() - interval '20 minutes', state = 'failed' where id = ${failed}`.execute(handle.db);
  const next = await submit(t, 'submitted-after-the-failure');
  await transitionJob(handle.db, { jobId: failed, to: 'queued', actor: 'token:admin', from: ['failed'] });
  assert.equal((await claim())!.jobId, next);
  assert.equal((await claim())!.jobId, failed);
});

test('a job backing off is not claimed before its time, and is claimed after', async () => {
  const t = await token();
  const waiting = await submit(t, 'backoff');
  await sql`update jobs set not_before = now() + interval '1 second' where id = ${waiting}`.execute(handle.db);
  assert.equal(await claim(), undefined);
  await waitFor('its backoff to pass, by the database clock', async () => {
    const { rows } = await sql<{ due: boolean }>`select not_before <= now() as due from jobs where id = ${waiting}`.execute(handle.db);
    return rows[0]!.due;
  });
  assert.equal((await claim())!.jobId, waiting);
});

test("concurrent claims never exceed an engine's capacity nor take a job twice", async () => {
  const t = await token();
  for (let i = 0; i < 12; i += 1) await submit(t, `race${i}`);
  const claims = await Promise.all(Array.from({ length: 12 }, () => claim(3)));
  const taken = claims.filter((c) => c !== undefined);
  assert.equal(taken.length, 3, 'three slots, three claims');
  assert.equal(new Set(taken.map((c) => c.jobId)).size, 3);
  const { running } = await handle.db
    .selectFrom('attempts')
    .select(sql<number>`count(*)::int`.as('running'))
    .where('engine_id', '=', engineId)
    .where('state', '=', 'running')
    .executeTakeFirstOrThrow();
  assert.equal(running, 3);
  // Another engine is not held back by this one.
  engineId = `${engineId}-other`;
  assert.ok(await claim(3));
  const events = await handle.db
    .selectFrom('job_events')
    .select(['job_id', 'actor', 'reason'])
    .where('to_state', '=', 'building')
    .where(
      'job_id',
      'in',
      taken.map((c) => c.jobId),
    )
    .execute();
  assert.equal(events.length, 3, 'one event row per claim');
  assert.ok(events.every((e) => e.actor === 'scheduler' && /^building on engine fair-/.test(e.reason ?? '')));
});

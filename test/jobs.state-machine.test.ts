import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DomainError } from '../src/domain-error.ts';
import { isLegalTransition, jobStates, legalTransitions } from '../src/jobs/job-states.ts';
import { transitionJob } from '../src/jobs/transition-job.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let tokenId: string;

before(async () => {
  handle = await createTestDatabase();
  tokenId = (await createToken(handle.db, { role: 'submit' })).id;
});
after(() => handle.close());

// DESIGN.md's transition table, written out again by hand so a change to the code's table shows here.
const designTable: Record<string, string[]> = {
  fetching: ['queued', 'failed', 'cancelled'],
  queued: ['building', 'dep-wait', 'cancelled'],
  'dep-wait': ['queued', 'cancelled'],
  building: ['publishing', 'dep-wait', 'failed', 'queued', 'cancelled'],
  publishing: ['published', 'failed'],
  failed: ['queued', 'fetching'],
  cancelled: ['queued'],
  published: [],
};

test('the code encodes exactly the transitions of DESIGN.md', () => {
  assert.deepEqual(
    Object.fromEntries(jobStates.map((s) => [s, [...legalTransitions[s]].sort()])),
    Object.fromEntries(Object.entries(designTable).map(([s, to]) => [s, [...to].sort()])),
  );
});

async function jobIn(state: string): Promise<number> {
  const { id } = await handle.db
    .insertInto('jobs')
    .values({ state, origin: 'archive', source: 'zlib', version: null, suite: 'bookworm', arch: 'stubdom-amd64', submitted_by: tokenId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function eventsOf(jobId: number) {
  return handle.db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).execute();
}

test('every legal transition is accepted with one event; every illegal one is refused with none', async () => {
  let accepted = 0;
  let refused = 0;
  for (const from of jobStates) {
    for (const to of jobStates) {
      const id = await jobIn(from);
      const legal = (designTable[from] ?? []).includes(to);
      assert.equal(isLegalTransition(from, to), legal, `${from} -> ${to}`);
      if (legal) {
        await transitionJob(handle.db, { jobId: id, to, actor: 'test', reason: `${from} to ${to}` });
        const job = await handle.db.selectFrom('jobs').select(['state', 'reason']).where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(job.state, to);
        const events = await eventsOf(id);
        assert.equal(events.length, 1, `${from} -> ${to} writes one event`);
        assert.deepEqual(
          { from: events[0]!.from_state, to: events[0]!.to_state, actor: events[0]!.actor, reason: events[0]!.reason },
          { from, to, actor: 'test', reason: `${from} to ${to}` },
        );
        accepted += 1;
      } else {
        await assert.rejects(
          transitionJob(handle.db, { jobId: id, to, actor: 'test' }),
          (error: unknown) => error instanceof DomainError && error.code === 'illegal-transition',
          `${from} -> ${to} must be refused`,
        );
        const job = await handle.db.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(job.state, from);
        assert.equal((await eventsOf(id)).length, 0);
        refused += 1;
      }
    }
  }
  assert.equal(accepted + refused, jobStates.length ** 2);
  assert.equal(accepted, Object.values(designTable).flat().length);
});

test('a transition guarded by an expected state is refused when the job moved on', async () => {
  const id = await jobIn('queued');
  await transitionJob(handle.db, { jobId: id, to: 'cancelled', actor: 'test' });
  await assert.rejects(
    transitionJob(handle.db, { jobId: id, to: 'queued', actor: 'test', from: ['failed'] }),
    (error: unknown) => error instanceof DomainError && error.code === 'illegal-transition',
  );
});

test('an unknown job is not found', async () => {
  await assert.rejects(
    transitionJob(handle.db, { jobId: 999_999, to: 'queued', actor: 'test' }),
    (error: unknown) => error instanceof DomainError && error.code === 'not-found',
  );
});

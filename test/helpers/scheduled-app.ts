// What the scheduler tests share: a service whose engines are ScriptedBuilders, jobs queued
// straight into its database, and what the database shows of them (waits: wait-for-job.ts).
import { submitJob } from '../../src/jobs/submit-job.ts';
import type { SchedulerSettings } from '../../src/scheduler/dispatcher.ts';
import { loadStubdomProfile } from './stubdom-arches.ts';
import type { ScriptedBuilder } from './scripted-builder.ts';
import { createTestApp, type TestApp } from './test-app.ts';

/** A whole service building on scripted engines; its pipeline is not started yet. */
export async function createScheduledApp(
  engines: ScriptedBuilder[],
  scheduler: Partial<SchedulerSettings>,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return createTestApp(env, { builds: { profiles: [await loadStubdomProfile()], engines, pollMs: 100, scheduler } });
}

/** A queued job of a token (no files: scripted engines need none). */
export async function queueJob(t: TestApp, tokenId: string, source: string): Promise<number> {
  const { job } = await submitJob(t.db, {
    tokenId,
    job: { origin: 'upload', source, version: null, suite: null, arch: 'stubdom-amd64', files: [], state: 'queued' },
  });
  return job.id;
}

export async function jobState(t: TestApp, id: number): Promise<string> {
  return (await t.db.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
}

export async function eventsOf(t: TestApp, id: number) {
  return t.db
    .selectFrom('job_events')
    .select(['from_state', 'to_state', 'actor', 'reason', 'created_at'])
    .where('job_id', '=', id)
    .orderBy('id')
    .execute();
}

export async function attemptsOf(t: TestApp, id: number) {
  return t.db
    .selectFrom('attempts')
    .select(['number', 'engine_id', 'state', 'reason', 'message', 'lease_owner', 'started_at', 'finished_at'])
    .where('job_id', '=', id)
    .orderBy('number')
    .execute();
}

/** The id of the test app's submit token. */
export async function submitTokenId(t: TestApp): Promise<string> {
  const row = await t.db.selectFrom('api_tokens').select('id').where('role', '=', 'submit').executeTakeFirstOrThrow();
  return row.id;
}

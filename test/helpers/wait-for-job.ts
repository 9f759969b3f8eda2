// Waiting for a job to reach a state, on the one waitFor: the job's own history (its state
// changes, attempts and build log lines) is its progress, so a wait fails once the job stops
// moving, however long the work takes on a busy machine.
import { sql } from 'kysely';
import { bearer, type TestApp } from './test-app.ts';
import { waitFor } from './wait-for.ts';

export interface JobView {
  id: number;
  state: string;
  reason: string | null;
  causeClass: string | null;
  binNmu: number | null;
  rebuildOf: number | null;
  unmetRelations: string[];
  explanation: string | null;
  provenance: unknown;
  events: { from: string | null; to: string; actor: string; reason: string | null; at: string }[];
  attempts: { number: number; state: string; startedAt: string; finishedAt: string | null }[];
  artifacts: { name: string; kind: string; sha256: string }[];
}

export async function getJobView(t: TestApp, id: number): Promise<JobView> {
  return (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: bearer(t.submitToken) })).json() as JobView;
}

/** What changes while a job moves: its state, events, attempts and log lines. */
export async function jobProgress(t: TestApp, id: number): Promise<unknown> {
  const { rows } = await sql<{ state: string; events: number; attempts: number; log_chunks: number }>`
    select (select state from jobs where id = ${id}) as state,
      (select count(*) from job_events where job_id = ${id})::int as events,
      (select count(*) from attempts where job_id = ${id})::int as attempts,
      (select count(*) from attempt_log_chunks where job_id = ${id})::int as log_chunks`.execute(t.db);
  return rows[0];
}

/**
 * The job once it is in one of `states`. Fails when the job has not moved for `stallMs`
 * (default: waitFor's), naming its state changes so far.
 */
export async function waitForJob(
  t: TestApp,
  id: number,
  states: string[],
  options: { stallMs?: number; intervalMs?: number } = {},
): Promise<JobView> {
  let last: JobView | undefined;
  return waitFor(
    `job ${id} to be ${states.join(' or ')}`,
    async () => {
      last = await getJobView(t, id);
      return states.includes(last.state) ? last : undefined;
    },
    {
      ...options,
      progress: () => jobProgress(t, id),
      explain: () => `it is ${last?.state}: ${JSON.stringify(last?.events)}`,
    },
  );
}

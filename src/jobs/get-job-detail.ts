import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { type ArtifactInfo, type AttemptSummary, artifactsOf, attemptsOf, toAttemptSummary } from './attempts.ts';
import { eventsOf, toJobEvent } from './get-job.ts';
import { type Job, type JobEvent, selectJobs, toJob } from './job.ts';

export interface JobDetail {
  job: Job;
  events: JobEvent[];
  attempts: AttemptSummary[];
  /** Artifacts of the latest attempt that has any. */
  artifacts: ArtifactInfo[];
  provenance: unknown;
  unmetRelations: string[];
}

/** Everything `GET /v1/jobs/{id}` shows about one job, in one query (one round trip per read). */
export async function getJobDetail(db: Db, id: number): Promise<JobDetail> {
  const row = await selectJobs(db)
    .select([
      'provenance',
      'unmet_relations',
      jsonArrayFrom(eventsOf(db, id)).as('events'),
      jsonArrayFrom(attemptsOf(db, id)).as('attempts'),
      jsonArrayFrom(artifactsOf(db, id)).as('artifacts'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new DomainError('not-found', `job ${id} does not exist`);
  return {
    job: toJob(row),
    events: row.events.map(toJobEvent),
    attempts: row.attempts.map(toAttemptSummary),
    artifacts: row.artifacts,
    provenance: row.provenance ?? null,
    unmetRelations: row.unmet_relations,
  };
}

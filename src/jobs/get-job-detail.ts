import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { type ArtifactInfo, type AttemptSummary, listArtifacts, listAttempts } from './attempts.ts';
import { getJob, listJobEvents } from './get-job.ts';
import type { Job, JobEvent } from './job.ts';

export interface JobDetail {
  job: Job;
  events: JobEvent[];
  attempts: AttemptSummary[];
  /** Artifacts of the latest attempt that has any. */
  artifacts: ArtifactInfo[];
  provenance: unknown;
  unmetRelations: string[];
}

/** Everything `GET /v1/jobs/{id}` shows about one job. */
export async function getJobDetail(db: Db, id: number): Promise<JobDetail> {
  const job = await getJob(db, id);
  const extra = await db.selectFrom('jobs').select(['provenance', 'unmet_relations']).where('id', '=', id).executeTakeFirstOrThrow();
  return {
    job,
    events: await listJobEvents(db, id),
    attempts: await listAttempts(db, id),
    artifacts: await listArtifacts(db, id),
    provenance: extra.provenance ?? null,
    unmetRelations: extra.unmet_relations,
  };
}

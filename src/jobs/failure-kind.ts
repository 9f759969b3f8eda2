// The cause class of a failed job (src/builders/classify-failure.ts), for the bulk requeue's
// `reasonKind`. Read from what the job's history already records: the reason of its failure
// and, for a failed build, the attempt's reason and log. A `cause_class` column written at
// the failure would answer the same without reading logs.
import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { type CauseClass, classifyBuildFailure } from '../builders/classify-failure.ts';

export async function failureKindOf(db: Db, jobId: number): Promise<CauseClass | null> {
  const job = await db.selectFrom('jobs').select(['state', 'reason']).where('id', '=', jobId).executeTakeFirst();
  if (job?.state !== 'failed') return null;
  const reason = job.reason ?? '';
  const failure = await db
    .selectFrom('job_events')
    .select(['from_state', 'actor'])
    .where('job_id', '=', jobId)
    .where('to_state', '=', 'failed')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (failure?.from_state === 'fetching') return 'fetch';
  if (reason.startsWith('infrastructure:')) return 'infrastructure';
  if (reason.startsWith('ownership:')) return 'ownership';
  if (failure?.from_state !== 'building') return 'other'; // a publication that failed
  const attempt = await db
    .selectFrom('attempts')
    .select(['number', 'reason'])
    .where('job_id', '=', jobId)
    .where('state', '=', 'failed')
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!attempt) return 'other';
  const chunks = await db
    .selectFrom('attempt_log_chunks')
    .select('data')
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt.number)
    .orderBy('seq')
    .execute();
  const log = Buffer.concat(chunks.map((c) => Buffer.from(c.data))).toString('utf8');
  return classifyBuildFailure(log, attempt.reason ?? 'build-error').causeClass;
}

// What an infrastructure fault does (never the package's fault): the job is given back with
// exponential backoff until its attempts are used up; an engine that keeps faulting is
// drained; a job that faulted on several engines is blamed instead (Launchpad's rule: it is
// more likely the job than every engine it touched).
import { sql, type Transaction } from 'kysely';
import type {} from '../db/build-tables.ts';
import type {} from '../db/operations-tables.ts';
import type { Database } from '../db/schema.ts';
import { closeAttempt } from '../jobs/attempts.ts';
import type { JobState } from '../jobs/job-states.ts';
import { transitionJob } from '../jobs/transition-job.ts';
import { drainEngine } from './engine-pool.ts';

export interface FaultPolicy {
  /** Infrastructure faults a job may meet; the last one fails it. */
  maxInfrastructureAttempts: number;
  /** K: an engine is drained after K faults in a row; a job is blamed after faults on K engines. */
  engineFailureThreshold: number;
  /** First retry waits this long; each further fault doubles it. */
  backoffBaseMs: number;
}

/**
 * `engine`: the builder reported it (the engine or Docker failed, the container vanished…);
 * counts against the engine. `lease-expired`: the service process that ran it went away or
 * lost the database; counts against the job's attempts only.
 */
export type InfrastructureFault = { kind: 'engine' | 'lease-expired'; message: string };

/** Attempt reasons for infrastructure attempts: who the fault was put on. */
const ENGINE_FAULT = 'engine';
const JOB_BLAMED = 'job-blamed';

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Closes a running attempt as `infrastructure` and moves its job (locked by the caller, in
 * `building`) on: blamed and failed, failed after its last attempt, or back to `queued` after
 * a backoff. Drains the engine after K engine faults in a row. Returns the job's new state,
 * or null when the job had already left `building` (the attempt is closed all the same).
 */
export async function recordInfrastructureFault(
  trx: Transaction<Database>,
  attempt: { jobId: number; attempt: number; engineId: string },
  policy: FaultPolicy,
  fault: InfrastructureFault,
): Promise<JobState | null> {
  const { jobId, engineId } = attempt;
  const K = policy.engineFailureThreshold;
  // A requeue starts a fresh budget: faults of earlier attempts no longer count.
  const job = await trx
    .selectFrom('jobs')
    .select(['state', 'faults_counted_after'])
    .where('id', '=', jobId)
    .forUpdate()
    .executeTakeFirstOrThrow();

  let faultyEngines: string[] = [];
  if (fault.kind === 'engine') {
    const earlier = await trx
      .selectFrom('attempts')
      .select('engine_id')
      .distinct()
      .where('job_id', '=', jobId)
      .where('state', '=', 'infrastructure')
      .where('number', '>', job.faults_counted_after)
      .where('reason', 'in', [ENGINE_FAULT, JOB_BLAMED])
      .execute();
    faultyEngines = [...new Set([...earlier.map((r) => r.engine_id), engineId])].sort();
  }
  const blamed = fault.kind === 'engine' && faultyEngines.length >= K;
  await closeAttempt(trx, jobId, attempt.attempt, {
    state: 'infrastructure',
    reason: fault.kind === 'lease-expired' ? 'lease-expired' : blamed ? JOB_BLAMED : ENGINE_FAULT,
    message: fault.message,
    endedAtLeaseEnd: fault.kind === 'lease-expired',
  });
  if (job.state !== 'building') return null;

  if (blamed) {
    const reason =
      `infrastructure: faults on ${faultyEngines.length} different engines (${faultyEngines.join(', ')}), ` +
      `so the job is blamed rather than the engines; last: ${fault.message}`;
    await transitionJob(trx, { jobId, to: 'failed', from: ['building'], actor: 'scheduler', reason, causeClass: 'infrastructure' });
    return 'failed';
  }
  if (fault.kind === 'engine') await drainAfterFaultsInARow(trx, engineId, K, `job ${jobId} attempt ${attempt.attempt}: ${fault.message}`);

  const { n } = await trx
    .selectFrom('attempts')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('job_id', '=', jobId)
    .where('state', '=', 'infrastructure')
    .where('number', '>', job.faults_counted_after)
    .executeTakeFirstOrThrow();
  if (n >= policy.maxInfrastructureAttempts) {
    await transitionJob(trx, {
      jobId,
      to: 'failed',
      from: ['building'],
      actor: 'scheduler',
      reason: `infrastructure: ${fault.message} (${n} attempts)`,
      causeClass: 'infrastructure',
    });
    return 'failed';
  }
  if (fault.kind === 'lease-expired') {
    // Its process went away, not its engine: back at once, to whoever is alive.
    await transitionJob(trx, { jobId, to: 'queued', from: ['building'], actor: 'scheduler', reason: fault.message });
    return 'queued';
  }
  const backoffMs = policy.backoffBaseMs * 2 ** Math.min(n - 1, 16);
  await transitionJob(trx, {
    jobId,
    to: 'queued',
    from: ['building'],
    actor: 'scheduler',
    reason: `given back: ${fault.message}; retried after ${seconds(backoffMs)} (infrastructure fault ${n} of at most ${policy.maxInfrastructureAttempts})`,
    retryAfterMs: backoffMs,
  });
  return 'queued';
}

/**
 * Drains the engine when its K latest judged attempts were all engine faults. Aborted
 * attempts, lease expiries and faults blamed on their job say nothing about the engine.
 */
async function drainAfterFaultsInARow(trx: Transaction<Database>, engineId: string, K: number, last: string): Promise<void> {
  const latest = await trx
    .selectFrom('attempts')
    .select(['state', 'reason'])
    .where('engine_id', '=', engineId)
    .where('finished_at', 'is not', null)
    .where('state', '!=', 'aborted')
    .where((eb) => eb.or([eb('state', '!=', 'infrastructure'), eb('reason', '=', ENGINE_FAULT)]))
    .orderBy('finished_at', 'desc')
    .limit(K)
    .execute();
  if (latest.length < K || latest.some((a) => a.state !== 'infrastructure')) return;
  await drainEngine(trx, engineId, `drained automatically: ${K} infrastructure faults in a row (last: ${last}); resume it once fixed`, {
    onlyIfOpen: true,
  });
}

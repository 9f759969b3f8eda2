// What an attempt's outcome does to its job, recorded only while the attempt is still ours:
// a scheduler that gave it back meanwhile (our lease ran out) has the last word.
import type { AttemptOutcome } from '../builders/builder.ts';
import type {} from '../db/build-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { closeAttempt, recordArtifacts } from '../jobs/attempts.ts';
import type { JobState } from '../jobs/job-states.ts';
import { transitionJob } from '../jobs/transition-job.ts';
import type { ClaimedAttempt } from './claim-job.ts';
import { type FaultPolicy, recordInfrastructureFault } from './infrastructure-faults.ts';

export type Settlement =
  /** Built: the job is `publishing`; the caller publishes it (still holding the lease). */
  | { kind: 'publish' }
  | { kind: 'settled'; jobState: JobState | null }
  /** Not ours any more: the attempt was given back by another scheduler; nothing recorded. */
  | { kind: 'lost' };

/**
 * Records the outcome and moves the job on. `stoppedBy` says why the scheduler aborted the
 * attempt, if it did: `lease-lost` (its lease could not be renewed: an infrastructure fault of
 * this process, not of the engine) or `shutdown` (the service is stopping: the job goes back
 * to `queued` at once, not counted as a fault).
 */
export async function settleAttempt(
  db: Db,
  claim: ClaimedAttempt,
  outcome: AttemptOutcome,
  policy: FaultPolicy,
  options: { stoppedBy: 'lease-lost' | 'shutdown' | null },
): Promise<Settlement> {
  const { jobId, attempt } = claim;
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('attempts')
      .select(['state', 'lease_owner'])
      .where('job_id', '=', jobId)
      .where('number', '=', attempt)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.state !== 'running' || row.lease_owner !== claim.owner) return { kind: 'lost' };
    const job = await trx.selectFrom('jobs').select('state').where('id', '=', jobId).forUpdate().executeTakeFirstOrThrow();
    if (job.state !== 'building') {
      await closeAttempt(trx, jobId, attempt, { state: 'aborted', message: `the job became ${job.state} while it was building` });
      return { kind: 'settled', jobState: null };
    }
    const moveTo = async (to: JobState, reason: string) => {
      await transitionJob(trx, { jobId, to, from: ['building'], actor: 'scheduler', reason });
      return { kind: 'settled', jobState: to } as const;
    };
    switch (outcome.kind) {
      case 'built':
        await closeAttempt(trx, jobId, attempt, { state: 'built', provenance: outcome.provenance });
        await recordArtifacts(
          trx,
          jobId,
          attempt,
          outcome.artifacts.map((a) => ({ ...a, name: a.name.replace(/^source\//, '') })),
        );
        await trx
          .updateTable('jobs')
          .set({ provenance: JSON.stringify(outcome.provenance) })
          .where('id', '=', jobId)
          .execute();
        await moveTo('publishing', `built ${outcome.source.package} ${outcome.source.version}`);
        return { kind: 'publish' };
      case 'dep-wait':
        await closeAttempt(trx, jobId, attempt, { state: 'dep-wait', message: outcome.unmet.join('; '), provenance: outcome.provenance });
        await trx.updateTable('jobs').set({ unmet_relations: outcome.relations }).where('id', '=', jobId).execute();
        return moveTo('dep-wait', `missing for ${claim.arch}: ${outcome.relations.join(', ')}`);
      case 'failed': {
        await closeAttempt(trx, jobId, attempt, {
          state: 'failed',
          reason: outcome.reason,
          message: outcome.message,
          provenance: outcome.provenance,
        });
        // `<class>: <first error line>`, as a buildd's fail log reads; the builder's own words when the log says nothing.
        const cause = outcome.cause ?? { causeClass: 'other' as const, line: '' };
        const reason = `${cause.causeClass}: ${cause.line || outcome.message}`;
        await transitionJob(trx, { jobId, to: 'failed', from: ['building'], actor: 'scheduler', reason, causeClass: cause.causeClass });
        return { kind: 'settled', jobState: 'failed' } as const;
      }
      case 'infrastructure':
        return {
          kind: 'settled',
          jobState: await recordInfrastructureFault(trx, claim, policy, { kind: 'engine', message: outcome.message }),
        };
      case 'aborted':
        if (options.stoppedBy === 'shutdown') {
          await closeAttempt(trx, jobId, attempt, { state: 'aborted', message: 'the service stopped during the attempt' });
          return moveTo('queued', 'given back: the service is stopping');
        }
        {
          // Lease lost, or an abort nobody asked for: this process's fault, not the engine's.
          const message =
            options.stoppedBy === 'lease-lost'
              ? `lease lost: attempt ${attempt} on engine ${claim.engineId} could not renew its lease and was stopped`
              : `the attempt stopped unasked: ${outcome.message}`;
          return { kind: 'settled', jobState: await recordInfrastructureFault(trx, claim, policy, { kind: 'lease-expired', message }) };
        }
    }
  });
}

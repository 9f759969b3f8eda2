// Cancel: a waiting or building job becomes `cancelled`. Its running attempt ends `aborted`
// in the same transaction (never a fault of the package or the engine), and the process that
// runs it is woken to stop the container (job-cancelled.ts).
import type {} from '../db/build-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import type { TokenInfo } from '../tokens/tokens.ts';
import { closeAttempt } from './attempts.ts';
import { notifyJobCancelled } from './job-cancelled.ts';
import { transitionJob } from './transition-job.ts';

export interface CancelRequest {
  jobId: number;
  token: Pick<TokenInfo, 'id' | 'role'>;
  reason?: string | undefined;
}

export async function cancelJob(db: Db, request: CancelRequest): Promise<void> {
  const { jobId, token } = request;
  await inTransaction(db, async (trx) => {
    // The attempt rows first, then the job: the order settleAttempt and the lease sweep lock them in.
    const running = await trx
      .selectFrom('attempts')
      .select('number')
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .forUpdate()
      .execute();
    const job = await trx.selectFrom('jobs').select(['submitted_by']).where('id', '=', jobId).forUpdate().executeTakeFirst();
    if (!job) throw new DomainError('not-found', `job ${jobId} does not exist`);
    if (token.role !== 'admin' && job.submitted_by !== token.id) {
      throw new DomainError('forbidden', `job ${jobId} was submitted by another token; only its submitter or an admin may cancel it`);
    }
    const by = `cancelled by token ${token.id}`;
    const reason = request.reason ? `${by}: ${request.reason}` : by;
    await transitionJob(trx, { jobId, to: 'cancelled', actor: `token:${token.id}`, reason });
    for (const attempt of running) await closeAttempt(trx, jobId, attempt.number, { state: 'aborted', message: reason });
    if (running.length > 0) await notifyJobCancelled(trx, jobId);
  });
}

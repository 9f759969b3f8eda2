// Sends webhook deliveries (webhooks.ts) from the table, in every service process: each claims
// due deliveries with a lease (SKIP LOCKED, so processes share the work and a dead one's claims
// are taken over), POSTs them with a deadline, and records the answer. A failed try is retried
// after a doubling backoff; a job's changes reach a receiver in order. Nothing here runs in the
// scheduler's path: a slow or dead receiver delays only its own deliveries.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundLoop } from '../background-loop.ts';
import type {} from '../db/operations-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { getJob } from '../jobs/get-job.ts';
import { JOB_EVENTS_CHANNEL, type ListenForPayload } from '../jobs/job-wakeups.ts';
import { leaseOwner, leaseUntil } from '../jobs/lease.ts';
import { signWebhookBody } from './webhook-signature.ts';

export interface WebhookSenderSettings {
  /** A receiver must answer within this (WEBHOOK_TIMEOUT). */
  timeoutMs: number;
  /** First retry after this, doubled each further failure, at most an hour (WEBHOOK_BACKOFF). */
  backoffMs: number;
  /** Tries before a delivery is abandoned (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Deliveries sent at once by this process. */
  concurrency?: number;
  /** Looks for due deliveries this often without a notification. */
  pollMs?: number;
}

const MAX_BACKOFF_MS = 3_600_000;

interface Claimed {
  id: string;
  webhook_id: string;
  event_id: number;
  job_id: number;
  attempts: number;
  body: string | null;
  url: string;
  secret: string;
}

/** Claims due deliveries: none whose job has an earlier delivery to the same webhook pending. */
async function claimDeliveries(db: Db, owner: string, leaseMs: number, limit: number): Promise<Claimed[]> {
  const { rows } = await sql<Claimed>`
    with claimed as (
      update webhook_deliveries set lease_owner = ${owner}, lease_until = ${leaseUntil(leaseMs)}
      where id in (
        select d.id from webhook_deliveries d
        where d.state = 'pending' and d.next_attempt_at <= now()
          and (d.lease_until is null or d.lease_until < now())
          and not exists (
            select 1 from webhook_deliveries e
            where e.webhook_id = d.webhook_id and e.job_id = d.job_id and e.state = 'pending' and e.event_id < d.event_id)
        order by d.next_attempt_at, d.event_id
        limit ${limit}
        for update of d skip locked)
      returning id, webhook_id, event_id, job_id, attempts, body)
    select claimed.*, w.url, w.secret from claimed join webhooks w on w.id = claimed.webhook_id`.execute(db);
  return rows;
}

/** The JSON a receiver gets: the change and the job as GET /v1/jobs shows it now. */
async function deliveryBody(db: Db, delivery: Claimed): Promise<string> {
  const event = await db
    .selectFrom('job_events')
    .select(['from_state', 'to_state', 'reason', 'created_at'])
    .where('id', '=', delivery.event_id)
    .executeTakeFirstOrThrow();
  const job = await getJob(db, delivery.job_id);
  return JSON.stringify({
    deliveryId: delivery.id,
    jobId: delivery.job_id,
    from: event.from_state,
    to: event.to_state,
    reason: event.reason,
    at: event.created_at.toISOString(),
    job: { ...job, createdAt: job.createdAt.toISOString(), updatedAt: job.updatedAt.toISOString() },
  });
}

export interface RunningWebhookSender {
  wake(): void;
  stop(): Promise<void>;
}

export function runWebhookSender(deps: {
  db: Db;
  logger: Logger;
  listen?: ListenForPayload | undefined;
  settings: WebhookSenderSettings;
}): RunningWebhookSender {
  const { db, settings } = deps;
  const owner = leaseOwner('webhooks');
  const log = deps.logger.child({ component: 'webhooks', owner });
  const concurrency = settings.concurrency ?? 8;
  const pollMs = settings.pollMs ?? 1000;
  const leaseMs = settings.timeoutMs + 30_000;

  async function send(delivery: Claimed, stopping: AbortSignal): Promise<void> {
    const body = delivery.body ?? (await deliveryBody(db, delivery));
    // Fixed at the first try: every retry sends (and signs) the same bytes.
    if (delivery.body === null) await db.updateTable('webhook_deliveries').set({ body }).where('id', '=', delivery.id).execute();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'stubbuild-webhooks',
          'x-stubbuild-delivery': delivery.id,
          'x-stubbuild-signature': signWebhookBody(delivery.secret, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), stopping]),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status > 299) error = `the receiver answered ${status}`;
    } catch (caught) {
      error =
        caught instanceof Error && caught.name === 'TimeoutError'
          ? `no answer within ${settings.timeoutMs} ms`
          : `could not reach the receiver: ${caught instanceof Error ? ((caught.cause as Error | undefined)?.message ?? caught.message) : String(caught)}`;
    }
    const attempts = delivery.attempts + 1;
    const mine = (q: ReturnType<typeof db.updateTable<'webhook_deliveries'>>) =>
      q.where('id', '=', delivery.id).where('lease_owner', '=', owner);
    if (error === null) {
      await mine(db.updateTable('webhook_deliveries'))
        .set({
          state: 'delivered',
          attempts,
          last_status: status,
          last_error: null,
          delivered_at: sql<Date>`now()`,
          lease_owner: null,
          lease_until: null,
        })
        .execute();
      log.debug({ delivery: delivery.id, jobId: delivery.job_id, url: delivery.url, attempts }, 'webhook delivered');
      return;
    }
    if (stopping.aborted) {
      // Not the receiver's fault: released for whoever runs next, the try not counted.
      await mine(db.updateTable('webhook_deliveries')).set({ lease_owner: null, lease_until: null }).execute();
      return;
    }
    const abandoned = attempts >= settings.maxAttempts;
    const backoffMs = Math.min(settings.backoffMs * 2 ** (attempts - 1), MAX_BACKOFF_MS);
    await mine(db.updateTable('webhook_deliveries'))
      .set({
        state: abandoned ? 'abandoned' : 'pending',
        attempts,
        last_status: status,
        last_error: error,
        next_attempt_at: sql<Date>`now() + ${backoffMs} * interval '1 millisecond'`,
        lease_owner: null,
        lease_until: null,
      })
      .execute();
    log.warn(
      { delivery: delivery.id, jobId: delivery.job_id, url: delivery.url, attempts, error, ...(abandoned ? {} : { retryInMs: backoffMs }) },
      abandoned ? 'webhook delivery abandoned' : 'webhook delivery failed; will retry',
    );
  }

  // Every delivery claimed in a round is sent at once; another round follows while there were some.
  const loop = new BackgroundLoop({
    failureMessage: 'claiming webhook deliveries failed',
    logger: log,
    everyMs: pollMs,
    round: async (stopping) => {
      const claimed = await claimDeliveries(db, owner, leaseMs, concurrency);
      await Promise.all(
        claimed.map((d) =>
          send(d, stopping).catch((error: unknown) => log.error({ err: error, delivery: d.id }, 'sending a webhook delivery failed')),
        ),
      );
      return claimed.length > 0;
    },
  });
  const wake = () => loop.wake();
  const listening = (async () => {
    try {
      return await deps.listen?.(JOB_EVENTS_CHANNEL, wake);
    } catch (error) {
      log.warn({ err: error }, `could not LISTEN on ${JOB_EVENTS_CHANNEL}; polling every ${pollMs} ms instead`);
      return undefined;
    }
  })();
  void listening.then(() => {
    log.info({ concurrency, ...settings }, 'webhook sender started');
    void loop.start();
  });

  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    const loopStopped = loop.stop(); // before it starts, if it has not yet
    const unlisten = await listening;
    await loopStopped;
    await unlisten?.().catch(() => undefined);
    log.info('webhook sender stopped');
  }

  return { wake, stop: () => (stopped ??= stop()) };
}

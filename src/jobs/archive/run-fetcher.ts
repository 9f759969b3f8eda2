// The background loop that turns `fetching` jobs into `queued` or `failed` ones: claim one
// (a lease, renewed while working), fetch it, repeat; poll when there is nothing to do.
import { BackgroundLoop } from '../../background-loop.ts';
import { holdLease, leaseOwner } from '../lease.ts';
import { fetchArchiveJob, type FetchOutcome, failFetch, type FetcherDeps, LeaseLost } from './fetch-archive-job.ts';
import { claimFetchJob, releaseFetchJob, renewFetchLease } from './fetch-lease.ts';

export interface FetcherOptions {
  /** Names this fetcher in the lease; unique per process by default. */
  owner?: string;
  /** How long a claim lasts without renewal; renewed every third of it. */
  leaseMs?: number;
  /** Pause between looks for work when there is none. */
  pollMs?: number;
  /** A job claimed this many times without a result is failed (it keeps killing its fetcher). */
  maxAttempts?: number;
  /** After an unexpected error, the job waits this long before anyone claims it again. */
  retryAfterErrorMs?: number;
}

const defaults = { leaseMs: 60_000, pollMs: 2_000, maxAttempts: 5, retryAfterErrorMs: 60_000 };

export function fetcherOwner(): string {
  return leaseOwner('fetcher');
}

/**
 * Claims one `fetching` job and fetches it. Returns undefined when there was none; the job
 * is released (not failed) when `stop` aborts, and after unexpected errors, which are thrown.
 */
export async function fetchNextJob(
  deps: FetcherDeps,
  options: FetcherOptions & { stop?: AbortSignal } = {},
): Promise<FetchOutcome | undefined> {
  const owner = options.owner ?? fetcherOwner();
  const leaseMs = options.leaseMs ?? defaults.leaseMs;
  const maxAttempts = options.maxAttempts ?? defaults.maxAttempts;
  const job = await claimFetchJob(deps.db, owner, leaseMs);
  if (!job) return undefined;
  const log = deps.logger.child({ jobId: job.id });
  log.info({ source: job.source, version: job.version, suite: job.suite, attempt: job.attempts, owner }, 'claimed archive reference');
  if (job.attempts > maxAttempts) {
    const reason = `gave up after ${maxAttempts} attempts: each fetch of ${job.source} ended without a result (the fetcher stopped or crashed)`;
    return failFetch(deps.db, job, reason).then(
      () => {
        log.warn({ reason }, 'archive reference failed');
        return { jobId: job.id, state: 'failed', reason } as const;
      },
      (error: unknown) => {
        if (error instanceof LeaseLost) return { jobId: job.id, state: 'lost' } as const;
        throw error;
      },
    );
  }

  const lease = holdLease({
    renew: () => renewFetchLease(deps.db, job, leaseMs),
    everyMs: Math.max(10, Math.floor(leaseMs / 3)),
    leaseMs,
    lost: () => new LeaseLost(job.id),
    onError: (error) => log.warn({ err: error }, 'could not renew the fetch lease'),
  });
  const signal = options.stop ? AbortSignal.any([lease.signal, options.stop]) : lease.signal;
  try {
    return await fetchArchiveJob(deps, job, signal);
  } catch (error) {
    if (lease.signal.aborted) {
      log.warn('job was cancelled or taken over while fetching; stopped');
      return { jobId: job.id, state: 'lost' };
    }
    if (options.stop?.aborted) {
      await releaseFetchJob(deps.db, job, { countAttempt: false });
      log.info('fetcher stopping; job given back');
      throw error;
    }
    const retryAfterMs = options.retryAfterErrorMs ?? defaults.retryAfterErrorMs;
    await releaseFetchJob(deps.db, job, { countAttempt: true, retryAfterMs }).catch(() => undefined);
    log.error({ err: error, retryAfterMs }, 'unexpected error while fetching; job given back for later');
    throw error;
  } finally {
    lease.release();
  }
}

export interface RunningFetcher {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  /** Stops after giving back the job in hand; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** Runs fetchNextJob until stopped. Jobs a crashed fetcher held are taken once their lease runs out. */
export function runFetcher(deps: FetcherDeps, options: FetcherOptions = {}): RunningFetcher {
  const owner = options.owner ?? fetcherOwner();
  const pollMs = options.pollMs ?? defaults.pollMs;
  const log = deps.logger.child({ component: 'fetcher' });
  const loopDeps = { ...deps, logger: log };
  log.info({ owner, pollMs, suites: deps.archives.suites.map((s) => `${s.name} ${s.baseUrl}`) }, 'fetcher started');
  // One job a round; another at once after a job, a poll's pause when there was none.
  const loop = new BackgroundLoop({
    failureMessage: 'fetcher step failed',
    logger: log,
    everyMs: pollMs,
    maxBackoffMs: 60_000,
    round: async (stopping) => (await fetchNextJob(loopDeps, { ...options, owner, stop: stopping })) !== undefined,
  });
  void loop.start();
  let stopped: Promise<void> | undefined;
  return {
    wake: () => loop.wake(),
    stop: () => (stopped ??= loop.stop().then(() => log.info('fetcher stopped'))),
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BackgroundLoop } from '../background-loop.ts';
import type {} from '../db/build-tables.ts';
import type { Artifact, AttemptLimits, AttemptOutcome, AttemptRequest, Builder } from '../builders/builder.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import { readInstallationId } from '../db/installation-id.ts';
import { DomainError } from '../domain-error.ts';
import { artifactFile, attemptArtifactDir } from '../jobs/artifact-files.ts';
import { AttemptLogWriter, listArtifacts } from '../jobs/attempts.ts';
import { binNmuOf } from '../jobs/job-binnmu.ts';
import { JOB_CANCELLED_CHANNEL } from '../jobs/job-cancelled.ts';
import { JOBS_READY_CHANNEL, notifyJobsReady } from '../jobs/jobs-ready.ts';
import { holdLease, leaseOwner } from '../jobs/lease.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import type { CauseClass } from '../jobs/cause-class.ts';
import { transitionJob } from '../jobs/transition-job.ts';
import { isRepoError } from '../repo/repo-error.ts';
import { classifyBuildFailure } from '../builders/classify-failure.ts';
import { expireAttemptLeases, listLiveAttempts, renewAttemptLease, takeStalledPublication } from './attempt-leases.ts';
import { type ClaimedAttempt, claimNextJob } from './claim-job.ts';
import { DEFAULT_AGEING_MS } from './claim-order.ts';
import type { EnginePool } from './engine-pool.ts';
import type { FaultPolicy } from './infrastructure-faults.ts';
import { settleAttempt } from './settle-attempt.ts';

export interface BuiltPackages {
  jobId: number;
  debs: string[];
  /** The exact source the build used (ported sources differ from the upload). */
  source: { dsc: { name: string; path: string }; files: { name: string; path: string }[] } | null;
}

/** The scheduler's timings and limits (config: SCHEDULER_*). */
export interface SchedulerSettings extends FaultPolicy {
  /** How often each running attempt's lease is renewed. */
  heartbeatMs: number;
  /** How long a lease lasts without renewal. */
  leaseMs: number;
  /** One priority point per this much waiting (claim-order.ts). */
  ageingMs: number;
  /** Looks for work this often without a notification. */
  pollMs: number;
}

export const defaultSchedulerSettings: SchedulerSettings = {
  heartbeatMs: 10_000,
  leaseMs: 60_000,
  maxInfrastructureAttempts: 3,
  engineFailureThreshold: 3,
  backoffBaseMs: 60_000,
  ageingMs: DEFAULT_AGEING_MS,
  pollMs: 2_000,
};

export function schedulerSettingsFromConfig(
  config: Pick<
    Config,
    | 'SCHEDULER_HEARTBEAT'
    | 'SCHEDULER_LEASE'
    | 'SCHEDULER_MAX_INFRA_ATTEMPTS'
    | 'SCHEDULER_ENGINE_FAILURES'
    | 'SCHEDULER_BACKOFF'
    | 'SCHEDULER_AGEING'
    | 'SCHEDULER_POLL'
  >,
): SchedulerSettings {
  return {
    heartbeatMs: config.SCHEDULER_HEARTBEAT,
    leaseMs: config.SCHEDULER_LEASE,
    maxInfrastructureAttempts: config.SCHEDULER_MAX_INFRA_ATTEMPTS,
    engineFailureThreshold: config.SCHEDULER_ENGINE_FAILURES,
    backoffBaseMs: config.SCHEDULER_BACKOFF,
    ageingMs: config.SCHEDULER_AGEING,
    pollMs: config.SCHEDULER_POLL,
  };
}

/** Subscribes to a NOTIFY channel (src/db/open-database.ts); resolves to the unsubscribe. */
export type Listen = (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>;

/** An attempt this process ran has ended (metrics). */
export interface AttemptEnded {
  jobId: number;
  attempt: number;
  engineId: string;
  outcome: AttemptOutcome['kind'];
}

export interface DispatcherDeps {
  db: Db;
  pool: EnginePool;
  store: SourceStore;
  logger: Logger;
  /** DATA_DIR/artifacts: one folder per job and attempt. */
  artifactsDir: string;
  /** The image and limits of an attempt for an architecture (its profile's). */
  attemptSettings: (arch: string) => { image: string; limits: AttemptLimits };
  /** What of the repository the attempt gets (repository-hand-in.ts), and which generation it is. */
  repository: (jobId: number, arch: string) => Promise<(NonNullable<AttemptRequest['repository']> & { generation: number | null }) | null>;
  publish: (built: BuiltPackages) => Promise<void>;
  /**
   * Before a built attempt is settled: the first binary the job may not publish, as
   * `<package> <version>: <rule>` (build-claim.ts); the attempt then fails as the package's fault.
   */
  checkOwnership?: (jobId: number, artifactDir: string, artifacts: readonly Artifact[]) => Promise<string | undefined>;
  settings?: Partial<SchedulerSettings>;
  /** Wake-ups from other processes; without it the poll alone finds work. */
  listen?: Listen | undefined;
  onAttemptEnded?: ((ended: AttemptEnded) => void) | undefined;
  /** A job this process published is marked `published` (its dependents may move now). */
  onPublished?: ((jobId: number) => void) | undefined;
}

class LeaseLostError extends Error {
  constructor(claim: ClaimedAttempt) {
    super(`the lease of job ${claim.jobId} attempt ${claim.attempt} is lost`);
  }
}

interface Running {
  /** Aborts the attempt (service stopping). */
  stop: AbortController;
  /** Aborts the attempt because its job was cancelled (cancel-job.ts closed the attempt). */
  cancel: AbortController;
  done: Promise<void>;
}

/**
 * Runs queued jobs on engines with free capacity. Each claim (claim-job.ts) opens an attempt
 * leased to this process; a heartbeat renews the lease while the attempt builds and its job
 * is published, and a renewal that finds the lease gone stops the attempt. Every process also
 * gives back the attempts of processes that stopped renewing, takes over their unfinished
 * publications and removes their containers. NOTIFY wakes the claim loop; a poll is the
 * backstop.
 */
export class Dispatcher {
  /** The lease holder name of this process. */
  readonly owner = leaseOwner('scheduler');
  readonly settings: SchedulerSettings;
  /** Claims for free capacity: at once, on every NOTIFY, and every poll. */
  private readonly claims: BackgroundLoop;
  /** Every heartbeat: expired leases given back, stalled publications taken over. */
  private readonly maintenance: BackgroundLoop;
  /** Every lease period: containers of attempts nobody holds removed. */
  private readonly reaper: BackgroundLoop;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private unlistenCancel: (() => Promise<void>) | undefined;
  private readonly running = new Map<string, Running>();
  private readonly log: Logger;
  /** Labels this process's containers; read at start (migration 0013). */
  private installation = '';

  constructor(private readonly deps: DispatcherDeps) {
    this.settings = { ...defaultSchedulerSettings, ...deps.settings };
    this.log = deps.logger.child({ component: 'scheduler', owner: this.owner });
    const { heartbeatMs, leaseMs, pollMs } = this.settings;
    this.claims = new BackgroundLoop({ failureMessage: 'claiming failed', logger: this.log, everyMs: pollMs, round: () => this.claim() });
    this.maintenance = new BackgroundLoop({
      failureMessage: 'lease maintenance failed',
      logger: this.log,
      everyMs: heartbeatMs,
      round: () => this.maintain(),
    });
    this.reaper = new BackgroundLoop({
      failureMessage: 'reaping orphans failed',
      logger: this.log,
      everyMs: leaseMs,
      round: () => this.reapOrphans(),
    });
  }

  /**
   * Gives back what stopped processes left (expired leases), takes over their publications,
   * removes their containers, then claims: at once, on every NOTIFY, and every poll.
   */
  async start(): Promise<void> {
    const { pollMs } = this.settings;
    this.installation = await readInstallationId(this.deps.db);
    this.log.info({ ...this.settings, installation: this.installation }, 'scheduler started');
    if (this.deps.listen) {
      try {
        this.unlisten = await this.deps.listen(JOBS_READY_CHANNEL, () => this.wake());
        // A cancelled job's container stops at once; otherwise at the next heartbeat.
        this.unlistenCancel = await this.deps.listen(JOB_CANCELLED_CHANNEL, (payload) => this.stopCancelled(Number(payload)));
      } catch (error) {
        this.log.warn({ err: error }, `could not LISTEN on ${JOBS_READY_CHANNEL}; polling every ${pollMs} ms instead`);
      }
    }
    await this.maintenance.start();
    await this.reaper.start();
    if (this.stopping) return;
    void this.claims.start();
  }

  /** Claim rounds finished: what shows that the scheduler is looking for work. */
  claimRounds = 0;

  /** Looks for work now (after a submission, say) instead of at the next poll. */
  wake(): void {
    this.claims.wake();
  }

  /**
   * Stops claiming; running attempts are stopped and their jobs given back to `queued` at
   * once (publications in progress finish first).
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    this.stopping = true;
    const reaped = this.reaper.stop();
    await this.unlisten?.().catch(() => undefined);
    await this.unlistenCancel?.().catch(() => undefined);
    await Promise.all([this.claims.stop(), this.maintenance.stop()]);
    // An attempt on an engine that hangs may never answer its abort: its lease runs out and
    // another process gives it back, so this one does not wait longer than that.
    const deadline = Date.now() + this.settings.leaseMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      for (const attempt of this.running.values()) attempt.stop.abort(new Error('the service is stopping'));
      await Promise.race([
        Promise.all([...this.running.values()].map((r) => r.done)),
        sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false }),
      ]);
    }
    if (this.running.size > 0)
      this.log.warn({ attempts: [...this.running.keys()] }, 'stopped without these attempts ending; their leases run out');
    await reaped;
    this.log.info('scheduler stopped');
  }

  /** Stops the attempts of a cancelled job that run here. */
  private stopCancelled(jobId: number): void {
    for (const [key, attempt] of this.running) {
      if (key.startsWith(`${jobId}.`)) attempt.cancel.abort(new Error(`job ${jobId} was cancelled`));
    }
  }

  /** One claim round: claims for each healthy engine in turn until none takes another job. */
  private async claim(): Promise<void> {
    const { db } = this.deps;
    let claimed: boolean;
    do {
      claimed = false;
      for (const { builder, arches } of await this.deps.pool.healthyEngines()) {
        if (this.stopping) return;
        const claim = await claimNextJob(db, {
          engineId: builder.id,
          capacity: builder.capacity,
          owner: this.owner,
          leaseMs: this.settings.leaseMs,
          ageingMs: this.settings.ageingMs,
          arches,
        });
        if (!claim) continue;
        claimed = true;
        this.log.info({ jobId: claim.jobId, attempt: claim.attempt, engine: claim.engineId }, 'claimed');
        this.track(claim, (stop, lease, cancel) => this.runAttempt(builder, claim, stop, lease, cancel), builder);
      }
    } while (claimed && !this.stopping);
    this.claimRounds += 1;
  }

  /**
   * Runs `work` holding the attempt's lease (renewed every heartbeat) until it settles. While
   * `builder`'s engine does not answer, the lease is not renewed: an engine gone for as long as
   * the lease lasts loses its attempts to the queue, like a process gone.
   */
  private track(
    claim: ClaimedAttempt,
    work: (stop: AbortSignal, lease: AbortSignal, cancel: AbortSignal) => Promise<void>,
    builder?: Builder,
  ): void {
    const key = `${claim.jobId}.${claim.attempt}`;
    const stop = new AbortController();
    const cancel = new AbortController();
    const lease = holdLease({
      renew: async () => {
        const health = builder ? await this.deps.pool.checkHealth(builder) : undefined;
        if (health && !health.healthy) throw new Error(`engine ${health.id} does not answer (${health.detail}); lease not renewed`);
        return renewAttemptLease(this.deps.db, claim, this.settings.leaseMs);
      },
      everyMs: this.settings.heartbeatMs,
      leaseMs: this.settings.leaseMs,
      lost: () => new LeaseLostError(claim),
      onError: (error) => this.log.warn({ err: error, jobId: claim.jobId, attempt: claim.attempt }, 'could not renew the lease'),
    });
    lease.signal.addEventListener('abort', () =>
      this.log.warn({ jobId: claim.jobId, attempt: claim.attempt }, 'lease lost; stopping the attempt'),
    );
    const done = work(stop.signal, lease.signal, cancel.signal)
      .catch((error: unknown) => this.log.error({ err: error, jobId: claim.jobId, attempt: claim.attempt }, 'attempt handling failed'))
      .finally(() => {
        lease.release();
        this.running.delete(key);
        // Capacity is free: this process and the others may claim.
        notifyJobsReady(this.deps.db).catch(() => undefined);
        this.wake();
      });
    this.running.set(key, { stop, cancel, done });
  }

  private async runAttempt(
    builder: Builder,
    claim: ClaimedAttempt,
    stop: AbortSignal,
    lease: AbortSignal,
    cancel: AbortSignal,
  ): Promise<void> {
    const { db } = this.deps;
    const { jobId, attempt } = claim;
    const log = new AttemptLogWriter(db, jobId, attempt);
    const { image, limits } = this.deps.attemptSettings(claim.arch);
    log.write(Buffer.from(`stubbuild: job ${jobId} attempt ${attempt} for ${claim.arch} on engine ${builder.id}, image ${image}\n`));
    const artifactDir = attemptArtifactDir(this.deps.artifactsDir, jobId, attempt);
    let outcome: AttemptOutcome;
    try {
      const files = await db.selectFrom('job_files').select(['name', 'sha256']).where('job_id', '=', jobId).execute();
      outcome = await builder.runAttempt({
        jobId,
        attempt,
        installation: this.installation,
        image,
        source: files.map((f) => ({ name: f.name, path: this.deps.store.pathOf(f.sha256) })),
        repository: await this.handIn(claim),
        ...(await binNmuOf(db, jobId)),
        artifactDir,
        limits,
        onLog: (chunk) => log.write(chunk),
        signal: AbortSignal.any([stop, lease, cancel]),
      });
    } catch (error) {
      // A builder reports its faults as outcomes; anything thrown is still not the package's fault.
      outcome = { kind: 'infrastructure', message: `engine ${builder.id}: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (outcome.kind === 'built' && this.deps.checkOwnership) {
      const violation = await this.deps.checkOwnership(jobId, artifactDir, outcome.artifacts);
      if (violation !== undefined) outcome = { kind: 'failed', reason: 'ownership', message: violation, provenance: outcome.provenance };
    }
    // What a buildd's fail log would say: the class and the first line of the log that says it.
    if (outcome.kind === 'failed') outcome = { ...outcome, cause: classifyBuildFailure(log.tail(), outcome.reason, outcome.message) };
    log.write(Buffer.from(`stubbuild: attempt ${attempt} ended: ${outcomeText(outcome)}\n`));
    await log.flush();
    const stoppedBy = stop.aborted ? 'shutdown' : lease.aborted ? 'lease-lost' : null;
    const settlement = await settleAttempt(db, claim, outcome, this.settings, { stoppedBy });
    this.log.info(
      { jobId, attempt, engine: builder.id, outcome: outcome.kind, detail: outcomeText(outcome), ...settlement },
      cancel.aborted
        ? 'attempt stopped: its job was cancelled'
        : settlement.kind === 'lost'
          ? 'attempt ended, but it had been given back meanwhile: outcome dropped'
          : 'attempt ended',
    );
    this.deps.onAttemptEnded?.({ jobId, attempt, engineId: builder.id, outcome: outcome.kind });
    if (settlement.kind === 'publish') await this.publishJob(claim);
  }

  /** The repository the attempt builds against; its generation is recorded with the attempt. */
  private async handIn(claim: ClaimedAttempt): Promise<AttemptRequest['repository']> {
    const handIn = await this.deps.repository(claim.jobId, claim.arch);
    if (!handIn) return null;
    await this.deps.db
      .updateTable('attempts')
      .set({ repository_generation: handIn.generation })
      .where('job_id', '=', claim.jobId)
      .where('number', '=', claim.attempt)
      .execute();
    return { suite: handIn.suite, files: handIn.files, keyFile: handIn.keyFile };
  }

  /** Publishes the artifacts of a built attempt; used after a build, and for a taken-over publication. */
  private async publishJob(claim: ClaimedAttempt): Promise<void> {
    const { jobId, attempt } = claim;
    const finish = async (to: 'published' | 'failed', reason: string, causeClass?: CauseClass) => {
      try {
        await transitionJob(this.deps.db, {
          jobId,
          to,
          from: ['publishing'],
          actor: 'publisher',
          reason,
          ...(causeClass ? { causeClass } : {}),
        });
      } catch (error) {
        // Another process took the publication over when our lease lapsed, and finished first.
        if (!(error instanceof DomainError && error.code === 'illegal-transition')) throw error;
        this.log.warn({ jobId, attempt }, 'the job was published meanwhile by another process');
      }
    };
    try {
      const artifacts = await listArtifacts(this.deps.db, jobId, attempt);
      const sources = artifacts.filter((a) => a.kind === 'source');
      const dsc = sources.find((a) => a.name.endsWith('.dsc'));
      await this.deps.publish({
        jobId,
        debs: artifacts.filter((a) => a.kind === 'deb').map((a) => artifactFile(this.deps.artifactsDir, jobId, a)),
        source: dsc
          ? {
              dsc: { name: dsc.name, path: artifactFile(this.deps.artifactsDir, jobId, dsc) },
              files: sources.filter((a) => a !== dsc).map((a) => ({ name: a.name, path: artifactFile(this.deps.artifactsDir, jobId, a) })),
            }
          : null,
      });
    } catch (error) {
      this.log.error({ err: error, jobId }, 'publishing failed');
      // Another source published one of these names since the build was checked.
      if (isRepoError(error, 'ownership')) await finish('failed', `ownership: ${error.message}`, 'ownership');
      else
        await finish(
          'failed',
          `packaging: the packages could not be published: ${error instanceof Error ? error.message : String(error)}`,
          'packaging',
        );
      return;
    }
    await finish('published', 'in the apt repository');
    this.deps.onPublished?.(jobId);
  }

  /** Gives back attempts whose lease expired, and takes over publications a stopped process left. */
  private async maintain(): Promise<void> {
    const expired = await expireAttemptLeases(this.deps.db, this.settings);
    for (const e of expired) this.log.warn({ ...e }, 'lease expired: attempt given back');
    if (expired.length > 0) this.wake();
    while (!this.stopping) {
      const publication = await takeStalledPublication(this.deps.db, this.owner, this.settings.leaseMs);
      if (!publication) break;
      this.log.warn({ jobId: publication.jobId, attempt: publication.attempt }, 'taking over a publication its process left');
      this.track(publication, () => this.publishJob(publication));
    }
  }

  /**
   * Removes containers and volumes of attempts without a live lease (a killed process's). The
   * live set is read after the engine was listed, so an attempt claimed meanwhile is kept.
   */
  private async reapOrphans(): Promise<void> {
    for (const { builder } of await this.deps.pool.healthyEngines()) {
      let live: Promise<Set<string>> | undefined;
      const removed = await builder.reapOrphans(this.installation, async (jobId, attempt) => {
        live ??= listLiveAttempts(this.deps.db);
        return (await live).has(`${jobId}.${attempt}`);
      });
      if (removed > 0) this.log.warn({ engine: builder.id, removed }, 'removed containers and volumes of attempts no longer running');
    }
  }
}

function outcomeText(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'built':
      return `built ${outcome.artifacts.filter((a) => a.kind === 'deb').length} .deb`;
    case 'dep-wait':
      return `dep-wait (${outcome.relations.join(', ')})`;
    case 'failed':
      return `failed (${outcome.reason}: ${outcome.message})`;
    default:
      return `${outcome.kind}: ${outcome.message}`;
  }
}

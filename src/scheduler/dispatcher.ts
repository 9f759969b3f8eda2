import path from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type {} from '../db/build-tables.ts';
import type { AttemptLimits, AttemptOutcome, AttemptRequest, Builder } from '../builders/builder.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { AttemptLogWriter, closeAttempt, listArtifacts, openAttempt, recordArtifacts } from '../jobs/attempts.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import { transitionJob } from '../jobs/transition-job.ts';
import type { EnginePool } from './engine-pool.ts';

export interface BuiltPackages {
  jobId: number;
  debs: string[];
  /** The exact source the build used (ported sources differ from the upload). */
  source: { dsc: { name: string; path: string }; files: { name: string; path: string }[] } | null;
}

export interface DispatcherDeps {
  db: Db;
  pool: EnginePool;
  store: SourceStore;
  logger: Logger;
  /** DATA_DIR/artifacts: one folder per job and attempt. */
  artifactsDir: string;
  image: string;
  limits: AttemptLimits;
  repository: () => AttemptRequest['repository'];
  publish: (built: BuiltPackages) => Promise<void>;
  pollMs?: number;
  /** Infrastructure faults a job may meet before it fails with reason `infrastructure`. */
  maxInfrastructureAttempts?: number;
}

/**
 * Runs queued jobs on free engines, one attempt each, and moves them on by the outcome. A
 * minimal dispatcher: the scheduler issue adds leases, backoff, dep-wait wake-ups and fairness.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopping = false;
  private readonly attempts = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Starts claiming (call recover() first). */
  start(): void {
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? 2000);
    this.wake();
  }

  /** Looks for work now (after a submission, say) instead of at the next poll. */
  wake(): void {
    if (this.stopping || this.ticking) return;
    this.ticking = this.tick()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'dispatcher tick failed'))
      .finally(() => (this.ticking = undefined));
  }

  /** Stops claiming; running attempts are stopped and their jobs given back. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.abort.abort();
    await this.ticking;
    await Promise.all(this.attempts);
  }

  private async tick(): Promise<void> {
    for (;;) {
      const builder = await this.deps.pool.pickEngine();
      if (!builder || this.stopping) return;
      const claimed = await this.claimNextJob(builder.id);
      if (!claimed) return;
      this.deps.pool.running.set(builder.id, (this.deps.pool.running.get(builder.id) ?? 0) + 1);
      const run = this.runAttempt(builder, claimed.jobId, claimed.attempt)
        .catch((error: unknown) => this.deps.logger.error({ err: error, jobId: claimed.jobId }, 'attempt handling failed'))
        .finally(() => {
          this.deps.pool.running.set(builder.id, (this.deps.pool.running.get(builder.id) ?? 1) - 1);
          this.attempts.delete(run);
          this.wake();
        });
      this.attempts.add(run);
    }
  }

  private claimNextJob(engineId: string): Promise<{ jobId: number; attempt: number } | undefined> {
    return inTransaction(this.deps.db, async (trx) => {
      const row = await trx
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'queued')
        .orderBy('priority', 'desc')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return undefined;
      await transitionJob(trx, { jobId: row.id, to: 'building', actor: 'dispatcher', reason: `building on engine ${engineId}` });
      return { jobId: row.id, attempt: await openAttempt(trx, row.id, engineId) };
    });
  }

  private async runAttempt(builder: Builder, jobId: number, attempt: number): Promise<void> {
    const { db, logger } = this.deps;
    const log = new AttemptLogWriter(db, jobId, attempt);
    log.write(Buffer.from(`stubbuild: job ${jobId} attempt ${attempt} on engine ${builder.id}, image ${this.deps.image}\n`));
    logger.info({ jobId, attempt, engine: builder.id }, 'attempt started');
    const files = await db.selectFrom('job_files').select(['name', 'sha256']).where('job_id', '=', jobId).execute();
    const artifactDir = path.join(this.deps.artifactsDir, String(jobId), String(attempt));
    const outcome = await builder.runAttempt({
      jobId,
      attempt,
      image: this.deps.image,
      source: files.map((f) => ({ name: f.name, path: this.deps.store.pathOf(f.sha256) })),
      repository: this.deps.repository(),
      artifactDir,
      limits: this.deps.limits,
      onLog: (chunk) => log.write(chunk),
      signal: this.abort.signal,
    });
    log.write(Buffer.from(`stubbuild: attempt ${attempt} ended: ${describe(outcome)}\n`));
    await log.flush();
    logger.info({ jobId, attempt, engine: builder.id, outcome: outcome.kind, detail: describe(outcome) }, 'attempt ended');
    await this.settle(jobId, attempt, artifactDir, outcome);
  }

  /** Records the attempt and moves the job on by what happened. */
  private async settle(jobId: number, attempt: number, artifactDir: string, outcome: AttemptOutcome): Promise<void> {
    const { db } = this.deps;
    switch (outcome.kind) {
      case 'built': {
        await inTransaction(db, async (trx) => {
          await closeAttempt(trx, jobId, attempt, { state: 'built', provenance: outcome.provenance });
          await recordArtifacts(
            trx,
            jobId,
            attempt,
            outcome.artifacts.map((a) => ({ ...a, name: a.name.replace(/^source\//, '') })),
          );
          await trx.updateTable('jobs').set({ provenance: JSON.stringify(outcome.provenance) }).where('id', '=', jobId).execute();
          await transitionJob(trx, { jobId, to: 'publishing', actor: 'dispatcher', reason: `built ${outcome.source.package} ${outcome.source.version}` });
        });
        await this.publishJob(jobId, attempt, artifactDir);
        return;
      }
      case 'dep-wait':
        await inTransaction(db, async (trx) => {
          await closeAttempt(trx, jobId, attempt, { state: 'dep-wait', message: outcome.unmet.join('; '), provenance: outcome.provenance });
          await trx.updateTable('jobs').set({ unmet_relations: outcome.relations }).where('id', '=', jobId).execute();
          await transitionJob(trx, { jobId, to: 'dep-wait', actor: 'dispatcher', reason: `missing for stubdom-amd64: ${outcome.relations.join(', ')}` });
        });
        return;
      case 'failed':
        await inTransaction(db, async (trx) => {
          await closeAttempt(trx, jobId, attempt, { state: 'failed', reason: outcome.reason, message: outcome.message, provenance: outcome.provenance });
          await transitionJob(trx, { jobId, to: 'failed', actor: 'dispatcher', reason: `${outcome.reason}: ${outcome.message}` });
        });
        return;
      case 'infrastructure':
      case 'aborted':
        await inTransaction(db, async (trx) => {
          await closeAttempt(trx, jobId, attempt, { state: outcome.kind, message: outcome.message });
          const { n } = await trx
            .selectFrom('attempts')
            .select(sql<number>`count(*)::int`.as('n'))
            .where('job_id', '=', jobId)
            .where('state', '=', 'infrastructure')
            .executeTakeFirstOrThrow();
          const exhausted = outcome.kind === 'infrastructure' && n >= (this.deps.maxInfrastructureAttempts ?? 3);
          await transitionJob(trx, {
            jobId,
            to: exhausted ? 'failed' : 'queued',
            actor: 'dispatcher',
            reason: exhausted ? `infrastructure: ${outcome.message} (${n} attempts)` : `given back: ${outcome.message}`,
          });
        });
    }
  }

  /** Publishes the artifacts of a built attempt; used after a build and again after a restart. */
  private async publishJob(jobId: number, attempt: number, artifactDir: string): Promise<void> {
    try {
      const artifacts = await listArtifacts(this.deps.db, jobId, attempt);
      const sources = artifacts.filter((a) => a.kind === 'source');
      const dsc = sources.find((a) => a.name.endsWith('.dsc'));
      await this.deps.publish({
        jobId,
        debs: artifacts.filter((a) => a.kind === 'deb').map((a) => path.join(artifactDir, a.name)),
        source: dsc
          ? {
              dsc: { name: dsc.name, path: path.join(artifactDir, 'source', dsc.name) },
              files: sources.filter((a) => a !== dsc).map((a) => ({ name: a.name, path: path.join(artifactDir, 'source', a.name) })),
            }
          : null,
      });
      await transitionJob(this.deps.db, { jobId, to: 'published', actor: 'publisher', reason: 'in the apt repository' });
    } catch (error) {
      this.deps.logger.error({ err: error, jobId }, 'publishing failed');
      await transitionJob(this.deps.db, {
        jobId,
        to: 'failed',
        actor: 'publisher',
        reason: `publish: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /**
   * A job left `building` by a stopped service is given back; one left `publishing` is
   * published from its stored artifacts. (Single service process: the scheduler issue makes
   * this lease-based for several.)
   */
  async recover(): Promise<void> {
    const { db, logger } = this.deps;
    const building = await db.selectFrom('jobs').select('id').where('state', '=', 'building').execute();
    for (const { id } of building) {
      await inTransaction(db, async (trx) => {
        await trx
          .updateTable('attempts')
          .set({ state: 'aborted', message: 'the service stopped during the attempt', finished_at: sql<Date>`now()` })
          .where('job_id', '=', id)
          .where('state', '=', 'running')
          .execute();
        await transitionJob(trx, { jobId: id, to: 'queued', actor: 'dispatcher', reason: 'given back: the service restarted mid-build' });
      });
      logger.warn({ jobId: id }, 'gave back a job left building');
    }
    const publishing = await db.selectFrom('jobs').select('id').where('state', '=', 'publishing').execute();
    for (const { id } of publishing) {
      const last = await db
        .selectFrom('attempts')
        .select('number')
        .where('job_id', '=', id)
        .where('state', '=', 'built')
        .orderBy('number', 'desc')
        .executeTakeFirst();
      if (!last) continue;
      logger.warn({ jobId: id }, 'publishing a job left publishing');
      await this.publishJob(id, last.number, path.join(this.deps.artifactsDir, String(id), String(last.number)));
    }
  }
}

function describe(outcome: AttemptOutcome): string {
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

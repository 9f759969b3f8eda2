// The whole service, assembled once from its configuration, for `serve` and for the tests alike:
// the source store, the apt repository, the metrics, the build pipeline, the archive fetcher's
// dependencies and the Fastify app, over a database handle it is given. Building it runs
// nothing by itself; start() starts the background work and stop() ends it all in order.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/app.ts';
import { BackgroundLoop } from './background-loop.ts';
import { type ArchProfile, buildArchitecturesOf } from './builders/arch-profile.ts';
import type { Builder } from './builders/builder.ts';
import { createDockerBuilders, defaultEngines } from './builders/engine-config.ts';
import type { Config } from './config/config.ts';
import type { Db } from './db/in-transaction.ts';
import type { DatabaseHandle } from './db/open-database.ts';
import { DebianSourceNames } from './jobs/archive/debian-source-names.ts';
import { createFetcherDeps } from './jobs/archive/fetcher-deps.ts';
import { type RunningFetcher, runFetcher } from './jobs/archive/run-fetcher.ts';
import { SourceStore } from './jobs/source-store.ts';
import { ServiceMetrics } from './metrics/service-metrics.ts';
import { openRepository, type Repository, repositorySettings } from './repo/repository.ts';
import { type BuildPipeline, createBuildPipeline } from './scheduler/build-pipeline.ts';
import { type SchedulerSettings, schedulerSettingsFromConfig } from './scheduler/dispatcher.ts';
import { type RunningWebhookSender, runWebhookSender } from './webhooks/webhook-sender.ts';
import { syncConfiguredWebhooks } from './webhooks/webhooks.ts';

const STAGING_SWEEP_MS = 5 * 60_000;

export interface ServiceInputs {
  config: Config;
  /** The migrated database; the service closes it when it stops, or when it cannot be built. */
  database: DatabaseHandle;
  /** The profiles of the architectures built (ARCHES), the default first. */
  profiles: readonly ArchProfile[];
  logger: Logger;
  version?: string;
}

/** What tests set differently from the configuration. */
export interface ServiceOverrides {
  /** The engines builds run on; by default the configured Docker engines. `null`: no building here. */
  engines?: Builder[] | null;
  /** How often the scheduler looks for work and publications without a notification. */
  pollMs?: number;
  /** Replaces the SCHEDULER_* settings; those not given are the dispatcher's defaults. */
  scheduler?: Partial<SchedulerSettings>;
  /** Whether archive references are fetched here (and Debian sources named); by default yes. */
  fetchArchives?: boolean;
}

export interface Service {
  readonly config: Config;
  readonly db: Db;
  readonly store: SourceStore;
  readonly repo: Repository;
  readonly metrics: ServiceMetrics;
  /** Absent when the service does not build (engines: null). */
  readonly pipeline: BuildPipeline | undefined;
  readonly app: FastifyInstance;
  /**
   * Starts the garbage-collection and staging timers, listens (when asked),
   * then starts the archive fetcher, the webhook sender and the build pipeline.
   */
  start(options?: { listen?: { port: number; host: string } }): Promise<void>;
  /** Gives back the jobs in hand (leases released), then closes the app, the repository and the database. */
  stop(): Promise<void>;
}

export async function createService(inputs: ServiceInputs, overrides: ServiceOverrides = {}): Promise<Service> {
  const { config, database, profiles, logger } = inputs;
  const { db } = database;
  const store = new SourceStore(config.DATA_DIR);
  await store.removeStaleStaging();
  await syncConfiguredWebhooks(db, config.WEBHOOKS ?? []);
  const version = inputs.version ?? '0.0.0';
  const lock = database.kind === 'postgres' ? 'advisory' : 'in-process';
  const repo = await openRepository(db, repositorySettings(config), { lock, logger }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const metrics = new ServiceMetrics(db);
  const { pipeline, fetcherDeps, app } = await assembleParts().catch(async (error: unknown) => {
    await repo.close();
    await database.close();
    throw error;
  });

  async function assembleParts() {
    const engines =
      overrides.engines === undefined
        ? createDockerBuilders(config.BUILDER_ENGINES ?? defaultEngines(config.DOCKER_HOST))
        : overrides.engines;
    const pipeline = engines
      ? createBuildPipeline({
          metrics,
          db,
          store,
          repo,
          dataDir: config.DATA_DIR,
          logger,
          profiles,
          engines,
          ...(overrides.pollMs ? { pollMs: overrides.pollMs } : {}),
          scheduler: overrides.scheduler ?? schedulerSettingsFromConfig(config),
          listen: database.listen,
        })
      : undefined;
    // Read before listening, so a bad keyring stops the start rather than the first fetch.
    const fetcherDeps =
      (overrides.fetchArchives ?? true) ? await createFetcherDeps(config, db, store, logger, buildArchitecturesOf(profiles)) : undefined;
    const app = await buildApp({
      db,
      store,
      config,
      logger,
      version,
      repo,
      ...(pipeline ? { engines: pipeline.pool } : {}),
      ...(fetcherDeps ? { debianSources: new DebianSourceNames(fetcherDeps) } : {}),
      profiles,
      listen: database.listen,
      writes: database.writes,
      metrics,
    });
    return { pipeline, fetcherDeps, app };
  }

  // A crashed upload's staging files go within minutes, not at the next start.
  const stagingSweep = new BackgroundLoop({
    failureMessage: 'sweeping staging files failed',
    logger,
    everyMs: STAGING_SWEEP_MS,
    round: async () => {
      const removed = await store.removeStaleStaging();
      if (removed > 0) logger.info({ removed }, 'removed staging files of uploads whose process is gone');
    },
  });
  let fetcher: RunningFetcher | undefined;
  let webhooks: RunningWebhookSender | undefined;
  let stopping = false;
  let stopped: Promise<void> | undefined;

  async function start(options: { listen?: { port: number; host: string } } = {}): Promise<void> {
    // The filing threads start on the first request that needs them (and stop when idle); their
    // script is bundled now, in the background.
    repo.filing
      .prepare()
      .catch((error: unknown) =>
        logger.warn({ err: error }, "bundling the filing threads' script failed; the first bulk upload tries again"),
      );
    repo.publisher.collectPeriodically(db);
    void stagingSweep.start({ afterPause: true });
    if (options.listen) {
      await app.listen(options.listen);
      logger.info({ database: database.kind, dataDir: config.DATA_DIR, publicReads: config.PUBLIC_READS }, `stubbuild ${version} serving`);
    }
    if (!stopping && fetcherDeps) fetcher = runFetcher(fetcherDeps);
    if (!stopping) {
      webhooks = runWebhookSender({
        db,
        logger,
        listen: database.listen,
        settings: { timeoutMs: config.WEBHOOK_TIMEOUT, backoffMs: config.WEBHOOK_BACKOFF, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
      });
    }
    if (!stopping) await pipeline?.start();
  }

  async function stopNow(): Promise<void> {
    stopping = true;
    await stagingSweep.stop();
    await pipeline?.stop();
    await fetcher?.stop();
    await webhooks?.stop();
    await app.close();
    await repo.close();
    await database.close();
  }

  return {
    config,
    db,
    store,
    repo,
    metrics,
    pipeline,
    app,
    start,
    stop: () => (stopped ??= stopNow()),
  };
}

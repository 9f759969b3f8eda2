import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import { DebianSourceNames } from '../jobs/archive/debian-source-names.ts';
import { createFetcherDeps } from '../jobs/archive/fetcher-deps.ts';
import type { FetcherDeps } from '../jobs/archive/fetch-archive-job.ts';
import { type RunningFetcher, runFetcher } from '../jobs/archive/run-fetcher.ts';
import { KeyringError } from '../jobs/openpgp-keyring.ts';
import { buildArchitecturesOf } from '../builders/arch-profile.ts';
import type { DockerBuilder } from '../builders/docker-builder.ts';
import { createDockerBuilders, defaultEngines, EngineConfigError } from '../builders/engine-config.ts';
import { ImageDelivery } from '../builders/image-delivery.ts';
import { SourceStore } from '../jobs/source-store.ts';
import { createBuildPipeline } from '../scheduler/build-pipeline.ts';
import { schedulerSettingsFromConfig } from '../scheduler/dispatcher.ts';
import { openRepository, type Repository, RepositoryIdentityError, repositorySettings } from '../repo/repository.ts';
import { createFirstAdminToken } from '../tokens/first-admin-token.ts';
import { type RunningWebhookSender, runWebhookSender } from '../webhooks/webhook-sender.ts';
import { syncConfiguredWebhooks } from '../webhooks/webhooks.ts';
import { ServiceMetrics } from '../metrics/service-metrics.ts';
import { CliError, createLogger, loadServiceProfiles, openMigratedDatabase, packageVersion, readConfig } from './service-context.ts';
import { checkEnginesDistinct } from './engine-start-checks.ts';
import { checkServeCanStart } from './start-checks.ts';

const STAGING_SWEEP_MS = 5 * 60_000;

/**
 * The first start has no admin: make one and leave it where only this user can read it. Of
 * replicas starting together, only the one that made the token writes the file.
 */
async function ensureAdminToken(db: Db, config: Config, logger: Logger): Promise<void> {
  const created = await createFirstAdminToken(db);
  if (!created) return;
  const file = path.join(config.DATA_DIR, 'admin.token');
  await fs.mkdir(config.DATA_DIR, { recursive: true });
  await fs.writeFile(file, `${created.token}\n`, { mode: 0o600 });
  await fs.chmod(file, 0o600); // an existing file keeps its mode on write
  logger.warn({ file, tokenId: created.id }, `no admin token existed: created one in ${file}`);
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the HTTP service')
    .option('--port <port>', 'TCP port (PORT)')
    .option('--host <host>', 'address to listen on (HOST)')
    .action(async (_options: unknown, command: Command) => {
      const config = readConfig(command.optsWithGlobals());
      const logger = createLogger(config, 1);
      // Everything that can be found wrong is found before anything is written.
      const profiles = await loadServiceProfiles(config);
      await checkServeCanStart(config, logger);
      const engineConfigs = config.BUILDER_ENGINES ?? defaultEngines(config.DOCKER_HOST);
      let builders: DockerBuilder[];
      try {
        builders = createDockerBuilders(engineConfigs);
      } catch (error) {
        if (error instanceof EngineConfigError) throw new CliError(error.message, 2);
        throw error;
      }
      await checkEnginesDistinct(
        engineConfigs.map((engine, i) => ({ id: engine.id, host: engine.host, docker: builders[i]!.docker })),
        logger,
      );
      const handle = await openMigratedDatabase(config, logger);
      const store = new SourceStore(config.DATA_DIR);
      await store.removeStaleStaging();
      // A crashed upload's staging files go within minutes, not at the next start.
      const sweep = setInterval(() => {
        store.removeStaleStaging().then(
          (removed) => removed > 0 && logger.info({ removed }, 'removed staging files of uploads whose process is gone'),
          (error: unknown) => logger.error({ err: error }, 'sweeping staging files failed'),
        );
      }, STAGING_SWEEP_MS);
      sweep.unref();
      await ensureAdminToken(handle.db, config, logger);
      await syncConfiguredWebhooks(handle.db, config.WEBHOOKS ?? []);
      let repo: Repository;
      let opened: Repository | undefined;
      try {
        const lock = handle.kind === 'postgres' ? 'advisory' : 'in-process';
        repo = opened = await openRepository(handle.db, repositorySettings(config), { lock, logger });
        repo.publisher.collectPeriodically(handle.db);
      } catch (error) {
        await opened?.close();
        await handle.close();
        if (error instanceof RepositoryIdentityError) throw new CliError(error.message, 2);
        throw error;
      }
      let app: Awaited<ReturnType<typeof buildApp>>;
      let fetcherDeps: FetcherDeps;
      let pipeline: ReturnType<typeof createBuildPipeline>;
      const metrics = new ServiceMetrics(handle.db);
      try {
        pipeline = createBuildPipeline({
          metrics,
          db: handle.db,
          store,
          repo,
          dataDir: config.DATA_DIR,
          logger,
          profiles,
          engines: builders,
          scheduler: schedulerSettingsFromConfig(config),
          listen: handle.listen,
        });
        // Read before listening, so a bad keyring stops the start rather than the first fetch.
        fetcherDeps = await createFetcherDeps(config, handle.db, store, logger, buildArchitecturesOf(profiles));
        const debianSources = new DebianSourceNames(fetcherDeps);
        app = await buildApp({
          db: handle.db,
          store,
          config,
          logger,
          version: packageVersion,
          repo,
          engines: pipeline.pool,
          debianSources,
          profiles,
          listen: handle.listen,
          metrics,
        });
      } catch (error) {
        await repo.close();
        await handle.close();
        if (error instanceof KeyringError) throw new CliError(error.message, 2);
        throw error;
      }
      const delivery =
        config.BUILDER_IMAGE_DELIVERY === 'push'
          ? new ImageDelivery(
              builders,
              profiles.map((p) => p.image),
              logger,
            )
          : undefined;
      let fetcher: RunningFetcher | undefined;
      let webhooks: RunningWebhookSender | undefined;

      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        // The jobs in hand are given back (leases released) for the next start or another replica.
        clearInterval(sweep);
        await delivery?.stop();
        await pipeline.stop();
        await fetcher?.stop();
        await webhooks?.stop();
        await app.close();
        await repo.close();
        await handle.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));

      await app.listen({ port: config.PORT, host: config.HOST });
      logger.info(
        { database: handle.kind, dataDir: config.DATA_DIR, publicReads: config.PUBLIC_READS },
        `stubbuild ${packageVersion} serving`,
      );
      if (!closing) fetcher = runFetcher(fetcherDeps);
      if (!closing) {
        webhooks = runWebhookSender({
          db: handle.db,
          logger,
          listen: handle.listen,
          settings: { timeoutMs: config.WEBHOOK_TIMEOUT, backoffMs: config.WEBHOOK_BACKOFF, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
        });
      }
      if (!closing) delivery?.start();
      if (!closing) await pipeline.start();
    });
}

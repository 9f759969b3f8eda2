import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Logger } from 'pino';
import type { DockerBuilder } from '../builders/docker-builder.ts';
import { createDockerBuilders, defaultEngines, EngineConfigError } from '../builders/engine-config.ts';
import { ImageDelivery } from '../builders/image-delivery.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import { KeyringError } from '../jobs/openpgp-keyring.ts';
import { RepositoryIdentityError } from '../repo/repository.ts';
import { createService, type Service } from '../service.ts';
import { createFirstAdminToken } from '../tokens/first-admin-token.ts';
import { checkDataDirBelongs } from './data-dir-identity.ts';
import { checkEnginesDistinct } from './engine-start-checks.ts';
import { CliError, createLogger, loadServiceProfiles, openMigratedDatabase, packageVersion, readConfig } from './service-context.ts';
import { checkServeCanStart } from './start-checks.ts';

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

/** The configured Docker engines; a wrong entry or one engine named twice stops the start in one line. */
async function configuredEngines(config: Config, logger: Logger): Promise<DockerBuilder[]> {
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
  return builders;
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
      const engines = await configuredEngines(config, logger);
      const database = await openMigratedDatabase(config, logger);
      await checkDataDirBelongs(database.db, config.DATA_DIR);
      await ensureAdminToken(database.db, config, logger);
      let service: Service;
      try {
        service = await createService({ config, database, profiles, logger, version: packageVersion }, { engines });
      } catch (error) {
        if (error instanceof RepositoryIdentityError || error instanceof KeyringError) throw new CliError(error.message, 2);
        throw error;
      }
      const delivery =
        config.BUILDER_IMAGE_DELIVERY === 'push'
          ? new ImageDelivery(
              engines,
              profiles.map((p) => p.image),
              logger,
            )
          : undefined;

      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        // The jobs in hand are given back (leases released) for the next start or another replica.
        await delivery?.stop();
        await service.stop();
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));

      delivery?.start();
      await service.start({ listen: { port: config.PORT, host: config.HOST } });
    });
}

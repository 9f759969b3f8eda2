import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import { SourceStore } from '../jobs/source-store.ts';
import { createToken, hasUsableAdminToken } from '../tokens/tokens.ts';
import { createLogger, openMigratedDatabase, packageVersion, readConfig } from './service-context.ts';

/** The first start has no admin: make one and leave it where only this user can read it. */
async function ensureAdminToken(db: Db, config: Config, logger: Logger): Promise<void> {
  if (await hasUsableAdminToken(db)) return;
  const created = await createToken(db, { role: 'admin', name: 'first admin (created by serve)' });
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
      const handle = await openMigratedDatabase(config, logger);
      const store = new SourceStore(config.DATA_DIR);
      await store.removeStaleStaging();
      await ensureAdminToken(handle.db, config, logger);
      const app = await buildApp({ db: handle.db, store, config, logger, version: packageVersion });

      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        await app.close();
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
    });
}

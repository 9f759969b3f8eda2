import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { type Config, ConfigError, configKeys, loadConfig } from '../config/config.ts';
import { EmbeddedDatabaseBusyError } from '../db/embedded-lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { type DatabaseHandle, openDatabase } from '../db/open-database.ts';
import { type ArchProfile, loadArchProfiles, selectArchProfiles } from '../builders/arch-profile.ts';
import { CliError } from './cli-error.ts';
import { checkDatabaseReachable, prepareDataDir } from './start-checks.ts';

export const packageVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export { CliError } from './cli-error.ts';

type Flags = Partial<Record<(typeof configKeys)[number], string>>;

/** Commander's camelCase options (`--data-dir` → dataDir) as config keys (DATA_DIR). */
export function flagsFromOptions(options: Record<string, unknown>): Flags {
  const flags: Flags = {};
  for (const key of configKeys) {
    const camel = key.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    const value = options[camel];
    if (value !== undefined) flags[key] = String(value);
  }
  return flags;
}

export function readConfig(options: Record<string, unknown>): Config {
  try {
    return loadConfig(process.env, flagsFromOptions(options));
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }
}

/** The profiles of the architectures the service builds (ARCHES), in order; one line when wrong. */
export async function loadServiceProfiles(config: Pick<Config, 'ARCHES' | 'ARCHES_DIR'>): Promise<ArchProfile[]> {
  try {
    return selectArchProfiles(await loadArchProfiles(config.ARCHES_DIR), config.ARCHES, config.ARCHES_DIR);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

export function createLogger(config: Config, destination: 1 | 2): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: 'stubbuild' } }, pino.destination(destination));
}

/** Opens the configured database and brings its schema up to date, as every command must. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  await prepareDataDir(config.DATA_DIR, logger);
  // Before any migration: a wrong URL is one line naming it (without its password), not a stack.
  if (config.DATABASE_URL) await checkDatabaseReachable(config.DATABASE_URL);
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  } catch (error) {
    if (error instanceof EmbeddedDatabaseBusyError) {
      throw new CliError(
        `${error.message} (probably \`stubbuild serve\`). The embedded database admits one process at a time: ` +
          'while the service runs, use its admin API instead, e.g. POST /v1/admin/tokens with the admin token ' +
          `from ${config.DATA_DIR}/admin.token.`,
      );
    }
    throw error;
  }
  try {
    const applied = await migrateToLatest(handle.db);
    if (applied.length > 0) logger.info({ applied, database: handle.kind }, 'applied migrations');
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

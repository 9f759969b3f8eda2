// What `serve` checks before it writes anything (migrations, the first admin token, the
// repository): each problem stops the start with one line naming what and where.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import { CliError } from './cli-error.ts';

/** A database URL fit for a message: the password never appears. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString().replace(/:@/, '@');
  } catch {
    return '(an unreadable URL)';
  }
}

/**
 * DATA_DIR holds the database, the private signing key and the admin token: only its owner
 * may enter it. Created 0700; an existing one that others may enter is tightened, and said so.
 */
export async function prepareDataDir(dataDir: string, logger: Pick<Logger, 'warn'>): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const { mode } = await fs.stat(dataDir);
    if ((mode & 0o077) !== 0) {
      await fs.chmod(dataDir, 0o700);
      logger.warn(
        { dataDir, was: (mode & 0o777).toString(8) },
        `DATA_DIR ${dataDir} was open to other users (mode ${(mode & 0o777).toString(8)}); tightened to 0700`,
      );
    }
  } catch (error) {
    throw new CliError(`DATA_DIR ${dataDir} cannot be made private to this user: ${(error as Error).message}`, 2);
  }
}

/** A directory the service must write into, tried by writing a file there. */
export async function checkWritable(what: string, dir: string): Promise<void> {
  const probe = path.join(dir, `.stubbuild-write-check-${process.pid}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${what} ${dir} is not writable by this user (${code ?? (error as Error).message})`, 2);
  }
}

/** PostgreSQL answers at DATABASE_URL (PGlite needs no check: it is opened in DATA_DIR). */
export async function checkDatabaseReachable(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new CliError(`cannot use the database at DATABASE_URL ${redactUrl(databaseUrl)}: ${(error as Error).message}`, 2);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What `serve` can find wrong before it writes, beyond the configuration itself: the first
 * problem stops it.
 */
export async function checkServeCanStart(config: Config, logger: Pick<Logger, 'warn'>): Promise<void> {
  await prepareDataDir(config.DATA_DIR, logger);
  if (config.DATABASE_URL) await checkDatabaseReachable(config.DATABASE_URL);
  if (config.REPO_SIGNING_KEY !== undefined) {
    await fs.access(config.REPO_SIGNING_KEY, fs.constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`REPO_SIGNING_KEY ${config.REPO_SIGNING_KEY} cannot be read (${error.code ?? error.message})`, 2);
    });
  }
  // Last: it makes REPO_DIR when missing.
  await checkWritable('REPO_DIR', config.REPO_DIR);
}

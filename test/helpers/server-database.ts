// Throwaway databases on a PostgreSQL server, for test files and benchmarks: made under a
// name that carries the creating process's pid, dropped again (also when an autovacuum worker
// is still in them), and, when a killed run left some behind, dropped by the next run.
import pg from 'pg';
import { isProcessAlive } from '../../src/process-alive.ts';

async function withClient<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates database `name` (letters, digits and underscores only) and returns its URL.
 * `fileCopy`: copy the template's files instead of writing the copy through the WAL, which
 * makes less for a benchmark's later sync to flush.
 */
export async function createServerDatabase(serverUrl: string, name: string, opts: { fileCopy?: boolean } = {}): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a database name for tests: ${name}`);
  await withClient(serverUrl, (c) => c.query(`create database ${name}${opts.fileCopy ? ' strategy file_copy' : ''}`));
  return databaseUrl(serverUrl, name);
}

/**
 * DROP DATABASE … WITH (FORCE), tried again while an autovacuum worker is in the database:
 * PostgreSQL 15 refuses to terminate it for a role without pg_signal_backend (42501), and the
 * worker is gone a moment later. A database that still cannot be dropped is left, with a
 * warning: cleaning up is not what a test or a benchmark is about.
 */
export async function dropServerDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, async (c) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '42501') throw error;
        if (attempt === 20) {
          process.stderr.write(`warning: database ${name} was left behind: ${(error as Error).message}\n`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });
}

/**
 * Drops the databases named `<prefix><pid>_…` (or `<prefix><pid>`) whose process is no longer
 * running on this machine: those a killed run left behind. A running process's are left alone.
 * `all`: every database with the prefix, running process or not. Returns the names dropped.
 */
export async function dropLeftoverDatabases(serverUrl: string, prefix: string, opts: { all?: boolean } = {}): Promise<string[]> {
  const { rows } = await withClient(serverUrl, (c) =>
    c.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1)`, [prefix]),
  );
  const left = rows
    .map((r) => r.datname)
    .filter((name) => {
      if (opts.all) return true;
      const pid = Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1]);
      return Number.isSafeInteger(pid) && pid > 0 && !isProcessAlive(pid);
    });
  for (const name of left) await dropServerDatabase(serverUrl, name);
  return left;
}

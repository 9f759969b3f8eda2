// A migrated database to copy from, made once instead of migrating every test file's database
// afresh: on PostgreSQL a template database named after the migrations it holds (made under an
// advisory lock, so parallel test files make it once); on PGlite an image of a migrated data
// folder, made once per process.
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import type { Database } from '../../src/db/schema.ts';
import { createServerDatabase, databaseUrl, dropLeftoverDatabases, dropServerDatabase } from './server-database.ts';

const migrationFolder = fileURLToPath(new URL('../../migrations/', import.meta.url));
const TEMPLATE_PREFIX = 'stubbuild_template_';
/** Where a template is migrated before it is renamed into place; a killed run's are dropped. */
const BUILDING_PREFIX = 'stubbuild_templating_';

/** A short hash of the migrations' names and contents: a changed migration is a new template. */
async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(migrationFolder)).sort()) {
    hash
      .update(name)
      .update('\0')
      .update(await readFile(path.join(migrationFolder, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

let serverTemplate: Promise<string> | undefined;

/** The name of the migrated template database on the server of `serverUrl`, made if missing. */
export function serverTemplateName(serverUrl: string): Promise<string> {
  serverTemplate ??= makeServerTemplate(serverUrl);
  return serverTemplate;
}

async function makeServerTemplate(serverUrl: string): Promise<string> {
  const name = `${TEMPLATE_PREFIX}${await migrationsHash()}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`select pg_advisory_lock(hashtext('stubbuild test template'))`);
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return name;
    await dropLeftoverDatabases(serverUrl, BUILDING_PREFIX);
    // Templates of other migrations are dropped when nobody copies from them (a copy holds a
    // lock on its template, and the drop without FORCE then fails and is skipped).
    const old = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [
      TEMPLATE_PREFIX,
    ]);
    for (const { datname } of old.rows) await client.query(`drop database if exists "${datname}"`).catch(() => undefined);

    const building = `${BUILDING_PREFIX}${process.pid}`;
    const handle = await openDatabase({ databaseUrl: await createServerDatabase(serverUrl, building), dataDir: 'unused' });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    await client.query(`alter database ${building} rename to ${name}`);
    return name;
  } catch (error) {
    await dropServerDatabase(serverUrl, `${BUILDING_PREFIX}${process.pid}`).catch(() => undefined);
    throw error;
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('stubbuild test template'))`).catch(() => undefined);
    await client.end();
  }
}

/**
 * Creates database `name` as a copy of the migrated template and returns its URL. A checkout
 * with other migrations drops this one's template when it makes its own: then it is made again.
 */
export async function createMigratedServerDatabase(serverUrl: string, name: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const template = await serverTemplateName(serverUrl);
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(`create database ${name} template ${template}`);
      return databaseUrl(serverUrl, name);
    } catch (error) {
      const templateGone = (error as { code?: string }).code === '3D000';
      if (!templateGone || attempt === 5) throw error;
      serverTemplate = undefined;
    } finally {
      await client.end();
    }
  }
}

let pgliteImage: Promise<Blob> | undefined;

/**
 * A migrated PGlite data folder as a tarball, for PGlite's loadDataDir; kept in the temporary
 * folder under the migrations' hash, so test files in other processes load it too.
 */
export function migratedPgliteImage(): Promise<Blob> {
  pgliteImage ??= (async () => {
    const file = path.join(os.tmpdir(), `stubbuild-pglite-template-${await migrationsHash()}.tar`);
    const saved = await readFile(file).catch(() => undefined);
    if (saved) return new Blob([saved]);
    const image = await dumpMigratedPglite();
    // a copy under another name renamed into place: a reader never sees half a file
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await image.arrayBuffer()));
    await rename(partial, file);
    return image;
  })();
  return pgliteImage;
}

async function dumpMigratedPglite(): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  try {
    await migrateToLatest(db);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}

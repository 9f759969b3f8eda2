import fs from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { acquireEmbeddedLock } from './embedded-lock.ts';
import { PgListener } from './pg-listener.ts';
import type { Database } from './schema.ts';
import { WriteWatch } from './write-watch.ts';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /**
   * Calls `onNotify` on every NOTIFY of `channel` (committed by any process on Postgres; by
   * this one on PGlite) with its payload; resolves, listening, to the unsubscribe. `onLost`:
   * notifications stopped arriving (Postgres: the LISTEN connection dropped); `onNotify('')` once
   * they arrive again, those sent meanwhile lost.
   */
  listen(channel: string, onNotify: (payload: string) => void, onLost?: () => void): Promise<() => Promise<void>>;
  /** This process's writes through `db`, as each statement finishes. */
  writes: WriteWatch;
  close(): Promise<void>;
}

/**
 * The embedded database, loaded only when used: its WebAssembly build costs a service on
 * PostgreSQL some 40 MiB of resident memory for nothing.
 */
async function loadPGlite() {
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  return { PGlite, PGliteDialect };
}

/** LISTEN through the PGlite instance itself (it is the only connection). */
function pgliteListen(pglite: PGlite): DatabaseHandle['listen'] {
  return async (channel, onNotify) => {
    const unlisten = await pglite.listen(channel, (payload) => onNotify(payload));
    return async () => {
      if (!pglite.closed) await unlisten();
    };
  };
}

const INT8_OID = 20;

/** chmod go-rwx of a tree (directories 0700, files 0600). */
async function makePrivate(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700);
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    await fs.chmod(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}

/**
 * `postgres://…` opens a pool on a Postgres server; otherwise the embedded PGlite in
 * `dataDir` (or in memory when dataDir is 'memory://', for tests).
 */
export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** For 'memory://': start from this data folder image (PGlite's dumpDataDir) instead of an empty one. */
  memoryImage?: Blob | undefined;
}): Promise<DatabaseHandle> {
  const writes = new WriteWatch();
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      // bigint columns hold sizes and event ids, far below 2^53: read them as numbers, as PGlite does.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection the server drops (restart, failover, a closing database) is discarded
    // by the pool and replaced at the next query; unheard, its error would end the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [writes] });
    const listener = new PgListener(options.databaseUrl);
    return {
      db,
      kind: 'postgres',
      writes,
      listen: (channel, onNotify, onLost) => listener.listen(channel, onNotify, onLost),
      close: async () => {
        await listener.close();
        await db.destroy();
      },
    };
  }

  const { PGlite, PGliteDialect } = await loadPGlite();
  if (options.dataDir === 'memory://') {
    const pglite = await PGlite.create(options.memoryImage ? { loadDataDir: options.memoryImage } : {});
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [writes] });
    return { db, kind: 'pglite', listen: pgliteListen(pglite), writes, close: () => db.destroy() };
  }

  const release = acquireEmbeddedLock(options.dataDir);
  try {
    const pgdata = path.join(options.dataDir, 'pgdata');
    const pglite = await PGlite.create({ dataDir: pgdata });
    // PGlite writes its files 0666 whatever the umask: make the tree its owner's alone.
    await makePrivate(pgdata);
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [writes] });
    return {
      db,
      kind: 'pglite',
      listen: pgliteListen(pglite),
      writes,
      close: async () => {
        try {
          await db.destroy();
          await pglite.close().catch(() => undefined); // destroy may have closed it already
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

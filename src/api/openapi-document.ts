import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import { SourceStore } from '../jobs/source-store.ts';
import { EnginePool } from '../scheduler/engine-pool.ts';
import { buildApp } from './app.ts';

/**
 * The OpenAPI document as the routes declare it. The app is built but never listens or
 * queries: the pool connects lazily and is closed unused.
 */
export async function generateOpenApiDocument(version: string): Promise<string> {
  const config = loadConfig({});
  const pool = new pg.Pool({ connectionString: 'postgres://unused@127.0.0.1:1/unused' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // With an (empty) engine pool: the document describes the service as `serve` runs it.
  const engines = new EnginePool(db, [], 'unused');
  const app = await buildApp({ db, store: new SourceStore(config.DATA_DIR), config, version, engines });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await db.destroy();
  }
}

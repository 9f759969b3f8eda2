import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadArchProfiles, selectArchProfiles } from '../builders/arch-profile.ts';
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
  const profiles = selectArchProfiles(await loadArchProfiles(config.ARCHES_DIR), config.ARCHES, config.ARCHES_DIR);
  const pool = new pg.Pool({ connectionString: 'postgres://unused@127.0.0.1:1/unused' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // With an (empty) engine pool: the document describes the service as `serve` runs it.
  const engines = new EnginePool(db, [], new Map());
  const app = await buildApp({ db, store: new SourceStore(config.DATA_DIR), config, version, engines, profiles });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await db.destroy();
  }
}

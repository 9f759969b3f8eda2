import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { type ArchProfile, loadArchProfiles, selectArchProfiles } from '../../src/builders/arch-profile.ts';
import type { Builder } from '../../src/builders/builder.ts';
import { createBuildPipeline } from '../../src/scheduler/build-pipeline.ts';
import type { SchedulerSettings } from '../../src/scheduler/dispatcher.ts';
import { loadConfig } from '../../src/config/config.ts';
import { SourceStore } from '../../src/jobs/source-store.ts';
import { openRepository, type Repository, repositorySettings } from '../../src/repo/repository.ts';
import { createToken } from '../../src/tokens/tokens.ts';
import { createTestDatabase } from './test-db.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  dataDir: string;
  store: SourceStore;
  repo: Repository;
  pipeline: ReturnType<typeof createBuildPipeline> | undefined;
  adminToken: string;
  submitToken: string;
  close(): Promise<void>;
}

export interface TestBuilds {
  /** The profiles built for (ARCHES): the service's own, from the config, when omitted. */
  profiles?: ArchProfile[];
  engines: Builder[];
  pollMs?: number;
  scheduler?: Partial<SchedulerSettings>;
}

/**
 * A whole service on its own database and DATA_DIR, with an admin and a submit token; with
 * `builds`, also the build pipeline (engines, dispatcher), not yet started.
 */
export async function createTestApp(env: Record<string, string> = {}, options: { builds?: TestBuilds } = {}): Promise<TestApp> {
  const handle = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const store = new SourceStore(dataDir);
  const lock = handle.kind === 'postgres' ? 'advisory' : 'in-process';
  const repo = await openRepository(handle.db, repositorySettings(config), { lock });
  const profiles =
    options.builds?.profiles ?? selectArchProfiles(await loadArchProfiles(config.ARCHES_DIR), config.ARCHES, config.ARCHES_DIR);
  const pipeline = options.builds
    ? createBuildPipeline({
        db: handle.db,
        store,
        repo,
        dataDir,
        logger: pino({ level: 'silent' }),
        listen: handle.listen,
        ...options.builds,
        profiles,
      })
    : undefined;
  const app = await buildApp({
    db: handle.db,
    store,
    config,
    repo,
    profiles,
    listen: handle.listen,
    ...(pipeline ? { engines: pipeline.pool } : {}),
  });
  const admin = await createToken(handle.db, { role: 'admin', name: 'test admin' });
  const submit = await createToken(handle.db, { role: 'submit', name: 'test submitter' });
  return {
    app,
    db: handle.db,
    dataDir,
    store,
    repo,
    pipeline,
    adminToken: admin.token,
    submitToken: submit.token,
    close: async () => {
      await pipeline?.stop();
      await app.close();
      await repo.close();
      await handle.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

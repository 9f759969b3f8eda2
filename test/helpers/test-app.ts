import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type ArchProfile, loadArchProfiles, selectArchProfiles } from '../../src/builders/arch-profile.ts';
import type { Builder } from '../../src/builders/builder.ts';
import type { BuildPipeline } from '../../src/scheduler/build-pipeline.ts';
import type { SchedulerSettings } from '../../src/scheduler/dispatcher.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { SourceStore } from '../../src/jobs/source-store.ts';
import type { Repository } from '../../src/repo/repository.ts';
import { createService, type Service } from '../../src/service.ts';
import { createToken } from '../../src/tokens/tokens.ts';
import { createTestDatabase } from './test-db.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  dataDir: string;
  store: SourceStore;
  repo: Repository;
  pipeline: BuildPipeline | undefined;
  /** The whole service; its background work runs only once a test starts it. */
  service: Service;
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
 * A whole service (src/service.ts) on its own database and DATA_DIR, with an admin and a submit
 * token, silent, not listening and with nothing started. With `builds`, also the build pipeline
 * (engines, dispatcher); without, the service does not build. Archive references are not fetched.
 */
export async function createTestApp(env: Record<string, string> = {}, options: { builds?: TestBuilds } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const { builds } = options;
  const profiles = builds?.profiles ?? selectArchProfiles(await loadArchProfiles(config.ARCHES_DIR), config.ARCHES, config.ARCHES_DIR);
  const service = await createService(
    { config, database, profiles, logger: pino({ level: 'silent' }) },
    {
      engines: builds?.engines ?? null,
      ...(builds?.pollMs ? { pollMs: builds.pollMs } : {}),
      scheduler: builds?.scheduler ?? {},
      fetchArchives: false,
    },
  );
  const admin = await createToken(database.db, { role: 'admin', name: 'test admin' });
  const submit = await createToken(database.db, { role: 'submit', name: 'test submitter' });
  return {
    app: service.app,
    db: database.db,
    dataDir,
    store: service.store,
    repo: service.repo,
    pipeline: service.pipeline,
    service,
    adminToken: admin.token,
    submitToken: submit.token,
    close: async () => {
      await service.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

// An opened apt repository on its own test database and directory, for tests of src/repo
// that need no HTTP.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import type { Db } from '../../src/db/in-transaction.ts';
import { openRepository, type Repository, type RepositoryOptions, repositorySettings } from '../../src/repo/repository.ts';
import { createTestDatabase } from './test-db.ts';

export interface TestRepository {
  db: Db;
  repo: Repository;
  dataDir: string;
  kind: 'postgres' | 'pglite';
  /** Opens another Repository object on the same database and directory (a second replica). */
  openReplica(options?: Partial<RepositoryOptions>): Promise<Repository>;
  close(): Promise<void>;
}

export async function createTestRepository(
  env: Record<string, string> = {},
  options: Partial<RepositoryOptions> = {},
): Promise<TestRepository> {
  const handle = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-repo-test-'));
  const settings = repositorySettings(loadConfig({ DATA_DIR: dataDir, ...env }));
  const lock = handle.kind === 'postgres' ? 'advisory' : 'in-process';
  const repo = await openRepository(handle.db, settings, { lock, ...options });
  const replicas: Repository[] = [];
  return {
    db: handle.db,
    repo,
    dataDir,
    kind: handle.kind,
    async openReplica(extra = {}) {
      const replica = await openRepository(handle.db, settings, { lock, ...extra });
      replicas.push(replica);
      return replica;
    },
    async close() {
      for (const r of [repo, ...replicas]) await r.close();
      await handle.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { SourceStore } from '../../src/jobs/source-store.ts';
import { createToken } from '../../src/tokens/tokens.ts';
import { createTestDatabase } from './test-db.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  dataDir: string;
  store: SourceStore;
  adminToken: string;
  submitToken: string;
  close(): Promise<void>;
}

/** A whole service on its own database and DATA_DIR, with an admin and a submit token. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const handle = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const store = new SourceStore(dataDir);
  const app = await buildApp({ db: handle.db, store, config });
  const admin = await createToken(handle.db, { role: 'admin', name: 'test admin' });
  const submit = await createToken(handle.db, { role: 'submit', name: 'test submitter' });
  return {
    app,
    db: handle.db,
    dataDir,
    store,
    adminToken: admin.token,
    submitToken: submit.token,
    close: async () => {
      await app.close();
      await handle.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

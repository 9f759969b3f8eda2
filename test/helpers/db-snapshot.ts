import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../src/db/in-transaction.ts';

const tables = [
  'jobs',
  'job_events',
  'job_files',
  'api_tokens',
  'idempotency_keys',
  'repo_suites',
  'repo_packages',
  'repo_sources',
] as const;

/** Row counts of every table and the files and directories under DATA_DIR: what a refused request must not change. */
export async function snapshotState(db: Db, dataDir: string): Promise<Record<string, number | string[]>> {
  const counts: Record<string, number | string[]> = {};
  for (const table of tables) {
    const row = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    counts[table] = row.rows[0]!.n;
  }
  counts.files = listFiles(dataDir);
  return counts;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : ''))
      // The staging folder itself is made at the first upload and stays; what is in it counts.
      .filter((name) => name !== 'tmp/')
      .sort()
  );
}

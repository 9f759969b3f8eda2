// What a suite already holds of the names a request adds: its package rows by (name,
// architecture) and its source rows by name, read in one round trip each.
import { sql } from 'kysely';
import type { Db } from '../../db/in-transaction.ts';

/** The group a binary package's versions are kept in: its name and architecture. */
export const packageKey = (name: string, arch: string) => `${name}\0${arch}`;

export interface ExistingPackage {
  id: number;
  name: string;
  version: string;
  architecture: string;
  sha256: string;
}

export interface ExistingSource {
  id: number;
  name: string;
  version: string;
  stanza: string;
}

export async function loadExistingPackages(db: Db, suite: string, names: string[]): Promise<Map<string, ExistingPackage[]>> {
  const byKey = new Map<string, ExistingPackage[]>();
  if (names.length === 0) return byKey;
  // One array parameter, however many names: one round trip.
  const rows = await db
    .selectFrom('repo_packages')
    .select(['id', 'name', 'version', 'architecture', 'sha256'])
    .where('suite', '=', suite)
    .where(sql<boolean>`name = any(${names}::text[])`)
    .execute();
  for (const r of rows) {
    const k = packageKey(r.name, r.architecture);
    const list = byKey.get(k) ?? [];
    list.push({ ...r, id: Number(r.id) });
    byKey.set(k, list);
  }
  return byKey;
}

export async function loadExistingSources(db: Db, suite: string, names: string[]): Promise<Map<string, ExistingSource[]>> {
  const byName = new Map<string, ExistingSource[]>();
  if (names.length === 0) return byName;
  const rows = await db
    .selectFrom('repo_sources')
    .select(['id', 'name', 'version', 'stanza'])
    .where('suite', '=', suite)
    .where('name', 'in', names)
    .execute();
  for (const r of rows) {
    const list = byName.get(r.name) ?? [];
    list.push({ ...r, id: Number(r.id) });
    byName.set(r.name, list);
  }
  return byName;
}

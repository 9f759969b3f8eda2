// What the repository holds, for GET /v1/packages.
import { sql } from 'kysely';
import type { Db } from '../../db/in-transaction.ts';
import { decodeCursor, encodeCursor } from '../../page-cursor.ts';
import type { Repository } from '../repository.ts';

/** A binary package as the repository holds it, in the API's words. */
export interface RepoPackage {
  name: string;
  version: string;
  architecture: string;
  source: string;
  sourceVersion: string;
  /** Its pool path. */
  filename: string;
  size: number;
  sha256: string;
}

export interface PackageRow extends RepoPackage {
  id: number;
  jobId: number | null;
  addedAt: Date;
  /** Whether the published files already show it. */
  published: boolean;
}

export interface PackageListQuery {
  name?: string | undefined;
  source?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

// The cursor holds the name and id of the last package of the previous page.
const isAfter = (value: unknown): value is { after: [string, number] } => {
  const after = typeof value === 'object' && value !== null ? (value as { after?: unknown }).after : undefined;
  return Array.isArray(after) && typeof after[0] === 'string' && Number.isSafeInteger(after[1]);
};

/** The packages in the index, by name (then by when they were added), in pages. */
export async function listPackages(
  db: Db,
  repo: Repository,
  query: PackageListQuery,
): Promise<{ items: PackageRow[]; nextCursor: string | null }> {
  const { suite } = repo.settings;
  let select = db
    .selectFrom('repo_packages as p')
    .innerJoin('repo_suites as s', 's.suite', 'p.suite')
    .select([
      'p.id',
      'p.name',
      'p.version',
      'p.architecture',
      'p.source',
      'p.source_version',
      'p.pool_path',
      'p.size',
      'p.sha256',
      'p.job_id',
      'p.added_at',
      sql<boolean>`p.generation <= coalesce(s.published_generation, -1)`.as('published'),
    ])
    .where('p.suite', '=', suite)
    .orderBy('p.name')
    .orderBy('p.id')
    .limit(query.limit + 1);
  if (query.name) select = select.where('p.name', '=', query.name);
  if (query.source) select = select.where('p.source', '=', query.source);
  if (query.cursor) {
    const [name, id] = decodeCursor(query.cursor, isAfter).after;
    select = select.where((eb) => eb.or([eb('p.name', '>', name), eb.and([eb('p.name', '=', name), eb('p.id', '>', id)])]));
  }
  const rows = await select.execute();
  const page = rows.slice(0, query.limit).map((r): PackageRow => ({
    id: Number(r.id),
    name: r.name,
    version: r.version,
    architecture: r.architecture,
    source: r.source,
    sourceVersion: r.source_version,
    filename: r.pool_path,
    size: Number(r.size),
    sha256: r.sha256,
    jobId: r.job_id,
    addedAt: r.added_at,
    published: r.published,
  }));
  const last = page.at(-1);
  return { items: page, nextCursor: rows.length > query.limit && last ? encodeCursor({ after: [last.name, last.id] }) : null };
}

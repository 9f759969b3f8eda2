// Jobs and published packages written straight into a test app's database, for the tests of
// dep-wait, superseding, explanations and rebuilds that need a given situation rather than a
// real build.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {} from '../../src/db/build-tables.ts';
import type {} from '../../src/db/dependency-tables.ts';
import type { Db } from '../../src/db/in-transaction.ts';
import { publishPackages } from '../../src/repo/publish/publish-repository.ts';
import type { Repository } from '../../src/repo/repository.ts';
import { BUILD_ARCH } from '../../src/scheduler/dep-wait.ts';
import { type SyntheticDeb, writeSyntheticDeb } from './synthetic-deb.ts';

export async function submitTokenId(db: Db): Promise<string> {
  const row = await db.selectFrom('api_tokens').select('id').where('role', '=', 'submit').executeTakeFirstOrThrow();
  return row.id;
}

export interface JobSeed {
  state: string;
  source: string;
  version?: string | null;
  binaries?: string[];
  unmetRelations?: string[];
  priority?: number;
  binnmu?: number | null;
  arch?: string;
}

/** A job row in `state` with a creation event, as if it had got there. */
export async function insertJob(db: Db, seed: JobSeed): Promise<number> {
  const { id } = await db
    .insertInto('jobs')
    .values({
      state: seed.state,
      origin: 'upload',
      source: seed.source,
      version: seed.version === undefined ? '1.0' : seed.version,
      suite: null,
      arch: seed.arch ?? 'stubdom-amd64',
      binaries: seed.binaries ?? [`${seed.source}-dev`],
      submitted_by: await submitTokenId(db),
      unmet_relations: seed.unmetRelations ?? [],
      priority: seed.priority ?? 0,
      binnmu: seed.binnmu ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('job_events')
    .values({ job_id: id, from_state: null, to_state: seed.state, actor: 'test', reason: 'seeded' })
    .execute();
  return id;
}

/** Publishes synthetic packages (as built by `jobId`, if given); waits until apt can see them. */
export async function publishSynthetic(db: Db, repo: Repository, debs: SyntheticDeb[], jobId?: number) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-synthetic-'));
  try {
    const paths = await Promise.all(debs.map((d) => writeSyntheticDeb(dir, d)));
    return await publishPackages(db, repo, { debs: paths.map((p) => ({ path: p })), jobId: jobId ?? null });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export function matchOptions(repo: Repository) {
  return { suite: repo.settings.suite, hostArch: 'stubdom-amd64', buildArch: BUILD_ARCH };
}

export async function stateOf(db: Db, jobId: number) {
  return db.selectFrom('jobs').select(['state', 'reason', 'unmet_relations', 'binnmu']).where('id', '=', jobId).executeTakeFirstOrThrow();
}

export async function lastEvent(db: Db, jobId: number) {
  return db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
}

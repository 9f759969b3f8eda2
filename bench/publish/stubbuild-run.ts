// One stubbuild measurement, in a process of its own (run.ts starts it): a fresh database
// and repository, a full publication of every .deb in DEB_DIR, then one more package added
// and republished, signed. Prints one JSON line of wall-clock milliseconds.
//   node --import tsx bench/publish/stubbuild-run.ts DEB_DIR EXTRA_DEB WORK_DIR KEY_FILE XZ(true|false) [DATABASE_URL]
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { addPackages } from '../../src/repo/filing/add-packages.ts';
import { publishRepository } from '../../src/repo/publish/publish-repository.ts';
import { openRepository, repositorySettings } from '../../src/repo/repository.ts';
import { createServerDatabase } from '../../test/helpers/server-database.ts';

const [debDir, extraDeb, workDir, keyFile, xz, serverUrl] = process.argv.slice(2);
if (!debDir || !extraDeb || !workDir || !keyFile || !xz)
  throw new Error('usage: stubbuild-run.ts DEB_DIR EXTRA_DEB WORK_DIR KEY_FILE XZ [DATABASE_URL]');

// A PostgreSQL database of its own, left for run.ts to drop once every run is done: dropping
// it here would delete files, and deletions slow the next tool down (see run.ts).
const databaseUrl = serverUrl ? await createServerDatabase(serverUrl, `stubbuild_bench_${process.pid}`, { fileCopy: true }) : undefined;

const config = loadConfig({ DATA_DIR: workDir, REPO_SIGNING_KEY: keyFile, REPO_XZ: xz, LOG_LEVEL: 'silent' });
const handle = await openDatabase({ databaseUrl, dataDir: workDir });
try {
  await migrateToLatest(handle.db);
  // BENCH_VERBOSE=1: the repository's own log (phase times of each step) on stderr.
  const logger = process.env.BENCH_VERBOSE ? pino({ level: 'info' }, pino.destination(2)) : undefined;
  const repo = await openRepository(handle.db, repositorySettings(config), {
    lock: handle.kind === 'postgres' ? 'advisory' : 'in-process',
    ...(logger ? { logger } : {}),
  });
  // As the service does when it starts (src/service.ts).
  await repo.filing.start();
  const debs = (await readdir(debDir))
    .filter((f) => f.endsWith('.deb'))
    .sort()
    .map((f) => ({ path: join(debDir, f) }));
  // Setting up the database wrote a lot (CREATE DATABASE, migrations); flush it before timing,
  // as run.ts does before every tool's step.
  execFileSync('sync');
  await new Promise((r) => setTimeout(r, 1000));

  let t = performance.now();
  const added = await addPackages(handle.db, repo, { debs });
  const addedAt = performance.now();
  await publishRepository(handle.db, repo, { generation: added.generation });
  const full = performance.now() - t;
  const fullAdd = addedAt - t;

  execFileSync('sync');
  t = performance.now();
  const one = await addPackages(handle.db, repo, { debs: [{ path: extraDeb }] });
  const oneAddedAt = performance.now();
  const publication = await publishRepository(handle.db, repo, { generation: one.generation });
  const addOne = performance.now() - t;
  if (publication.skipped || one.packages[0]?.outcome !== 'added') throw new Error('the extra package was not published');

  await repo.close();
  process.stdout.write(
    `${JSON.stringify({
      database: handle.kind,
      packages: debs.length,
      fullMs: full,
      fullAddMs: fullAdd,
      fullPublishMs: full - fullAdd,
      addOneMs: addOne,
      addOneAddMs: oneAddedAt - t,
      addOnePublishMs: addOne - (oneAddedAt - t),
      repoDir: config.REPO_DIR,
    })}\n`,
  );
} finally {
  await handle.close();
}

// Replaced pool files and by-hash files of earlier publications stay reachable for the grace
// period (REPO_GRACE_PERIOD), for clients that still hold an older InRelease; then they go.
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectRepositoryGarbage } from '../src/repo/gc/collect-garbage.ts';
import { publishPackages } from '../src/repo/publish/publish-repository.ts';
import { readReleaseSha256 } from '../src/repo/publish/release-file.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';
import { waitFor } from './helpers/wait-for.ts';

const HOUR = 3600_000;
let t: TestRepository;
let work: string;

before(async () => {
  work = await makeTempDir('stubbuild-grace-');
  t = await createTestRepository({ REPO_GRACE_PERIOD: '2h' });
});
after(async () => {
  await t.close();
  await removeTempDir(work);
});

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const byHashDir = () => join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/by-hash/SHA256');

/** by-hash names of binary-stubdom-amd64 that the current Release lists. */
async function namedByRelease(): Promise<Set<string>> {
  const release = await readFile(join(t.repo.settings.dir, 'dists/stubdom/Release'), 'utf8');
  return new Set(
    readReleaseSha256(release)
      .filter((f) => f.path.startsWith('main/binary-stubdom-amd64/'))
      .map((f) => f.sha256),
  );
}

test('a replaced version and the previous indices stay during the grace period, and go after it', async () => {
  const old = await publishPackages(t.db, t.repo, {
    debs: [{ path: await writeSyntheticDeb(work, { name: 'libgrace1', version: '1.0-1' }) }],
  });
  const oldPool = join(t.repo.settings.dir, old.packages[0]!.filename);
  const oldIndices = await namedByRelease();
  await publishPackages(t.db, t.repo, { debs: [{ path: await writeSyntheticDeb(work, { name: 'libgrace1', version: '1.0-2' }) }] });
  const current = await namedByRelease();
  const superseded = [...oldIndices].filter((h) => !current.has(h));
  assert.ok(superseded.length >= 3, 'Packages, .gz and .xz changed');

  // The first collection starts the clock; within the grace period nothing goes.
  const now = Date.now();
  await collectRepositoryGarbage(t.db, t.repo, { now: new Date(now) });
  await collectRepositoryGarbage(t.db, t.repo, { now: new Date(now + HOUR) });
  assert.ok(await exists(oldPool), 'the replaced .deb is still in the pool an hour later');
  for (const h of superseded) assert.ok(await exists(join(byHashDir(), h)), `by-hash ${h} is still there an hour later`);

  const result = await collectRepositoryGarbage(t.db, t.repo, { now: new Date(now + 2 * HOUR + 1) });
  assert.ok(!(await exists(oldPool)), 'the replaced .deb is gone after the grace period');
  assert.ok(result.deleted.includes(old.packages[0]!.filename));
  const remaining = new Set(await readdir(byHashDir()));
  for (const h of superseded) assert.ok(!remaining.has(h), `superseded by-hash ${h} was collected`);
  for (const h of current) assert.ok(remaining.has(h), `current by-hash ${h} stays`);
});

test('the published package and its file are never collected', async () => {
  const res = await collectRepositoryGarbage(t.db, t.repo, { now: new Date(Date.now() + 100 * HOUR) });
  assert.deepEqual(
    res.deleted.filter((p) => p.startsWith('pool/')),
    [],
  );
  assert.ok(await exists(join(t.repo.settings.dir, 'pool/main/libg/libgrace1/libgrace1_1.0-2_stubdom-amd64.deb')));
});

test('a repository nobody publishes to is still collected, on a timer', async () => {
  const idle = await createTestRepository({ REPO_GRACE_PERIOD: '300ms' });
  try {
    const old = await publishPackages(idle.db, idle.repo, {
      debs: [{ path: await writeSyntheticDeb(join(work, 'idle'), { name: 'libidle', version: '1.0-1' }) }],
    });
    await publishPackages(idle.db, idle.repo, {
      debs: [{ path: await writeSyntheticDeb(join(work, 'idle'), { name: 'libidle', version: '1.0-2' }) }],
    });
    const oldPool = join(idle.repo.settings.dir, old.packages[0]!.filename);
    assert.ok(await exists(oldPool), 'the replaced .deb stays for the grace period');
    // No publication from here on: only the timer can collect it.
    idle.repo.publisher.collectPeriodically(idle.db, 50);
    await waitFor('the replaced .deb to be collected without another publication', async () => !(await exists(oldPool)), {
      stallMs: 30_000,
    });
    assert.ok(
      await exists(join(idle.repo.settings.dir, 'pool/main/libi/libidle/libidle_1.0-2_stubdom-amd64.deb')),
      'the current one stays',
    );
  } finally {
    await idle.close();
  }
});

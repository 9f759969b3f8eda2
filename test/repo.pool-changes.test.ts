// A request links each .deb into the pool right after inspecting it (src/repo/pool/pool-changes.ts).
// What it linked must go again when it is refused, but never a file another request committed
// a row for; and a file a request found in place and relies on must still be that file when
// it commits.
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inspectDeb } from '../src/repo/deb/inspect-deb.ts';
import { PoolChanges } from '../src/repo/pool/pool-changes.ts';
import { addPackages } from '../src/repo/filing/add-packages.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';

let work: string;
let t: TestRepository;
before(async () => {
  work = await makeTempDir('stubbuild-pool-changes-');
  t = await createTestRepository();
});
after(async () => {
  await t.close();
  await removeTempDir(work);
});

const inspectOptions = { allowedArchitectures: ['stubdom-amd64', 'all'], maxControlBytes: 1 << 20, maxUncompressedBytes: 1 << 26 };
const poolPathOf = (name: string) => `pool/main/libp/${name}/${name}_1.0-1_stubdom-amd64.deb`;

async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).sort();
}

test('link: a hard link to the inspected upload; a file already there, a changed upload, an upload that cannot be linked each say so', async () => {
  const repoDir = join(work, 'link-repo');
  const changes = new PoolChanges(repoDir);
  const path = await writeSyntheticDeb(join(work, 'link'), { name: 'libplink', version: '1.0-1' });
  const { file } = await inspectDeb(path, inspectOptions);

  assert.equal(changes.link(path, poolPathOf('libplink'), file), 'created');
  const [pool, source] = await Promise.all([stat(join(repoDir, poolPathOf('libplink'))), stat(path)]);
  assert.equal(pool.ino, source.ino);
  assert.equal(pool.mode & 0o777, 0o644);
  assert.equal(changes.link(path, poolPathOf('libplink'), file), 'existing');

  const other = await writeSyntheticDeb(join(work, 'link-other'), { name: 'libplink2', version: '1.0-1' });
  assert.equal(changes.link(other, poolPathOf('libplink2'), file), 'verify', 'not the file that was inspected');
  assert.equal(changes.link(other, poolPathOf('libplink3'), undefined), 'verify', 'read by streaming: no identity to compare');
  assert.equal(changes.link(join(work, 'no-such.deb'), poolPathOf('libplink4'), undefined), 'copy');
  assert.throws(
    () => changes.link(path, 'pool/main/libp/../../../etc/x.deb', file),
    (err: unknown) => isRepoError(err, 'bad-path'),
  );
});

test('undo removes what the request linked and made, but keeps a file a committed row names', async () => {
  const repoDir = t.repo.settings.dir;
  const before = await tree(join(repoDir, 'pool'));
  const named = await writeSyntheticDeb(join(work, 'undo-named'), { name: 'libpnamed', version: '1.0-1' });
  const mine = await writeSyntheticDeb(join(work, 'undo-mine'), { name: 'libpmine', version: '1.0-1' });

  const changes = new PoolChanges(repoDir);
  assert.equal(changes.link(named, poolPathOf('libpnamed'), (await inspectDeb(named, inspectOptions)).file), 'created');
  assert.equal(changes.link(mine, poolPathOf('libpmine'), (await inspectDeb(mine, inspectOptions)).file), 'created');
  // Another request found libpnamed's file in place and committed a row for it meanwhile.
  const other = await addPackages(t.db, t.repo, { debs: [{ path: named }] });
  assert.equal(other.packages[0]?.outcome, 'added');

  await changes.undo(t.db, t.repo.settings.suite);
  await lstat(join(repoDir, poolPathOf('libpnamed')));
  await assert.rejects(lstat(join(repoDir, 'pool/main/libp/libpmine')), { code: 'ENOENT' }, 'its file and directory are gone');
  assert.deepEqual(
    await tree(join(repoDir, 'pool')),
    [...new Set([...before, 'main', 'main/libp', 'main/libp/libpnamed', `main/libp/libpnamed/libpnamed_1.0-1_stubdom-amd64.deb`])].sort(),
  );
});

test('a file found in place is relied on only with the same bytes, and checked again before commit', async () => {
  const repoDir = join(work, 'relied-repo');
  const pool = poolPathOf('libprelied');
  const path = await writeSyntheticDeb(join(work, 'relied'), { name: 'libprelied', version: '1.0-1' });
  const { sha256, file } = await inspectDeb(path, inspectOptions);
  const first = new PoolChanges(repoDir);
  assert.equal(first.link(path, pool, file), 'created');

  const second = new PoolChanges(repoDir);
  assert.equal(second.link(path, pool, undefined), 'existing');
  assert.deepEqual(await second.relyOnIfSame(pool, 'f'.repeat(64)), { same: false, sha256 });
  assert.deepEqual(await second.relyOnIfSame(pool, sha256), { same: true, sha256 });
  assert.equal(await second.relyOnIfSame(poolPathOf('libpnothere'), sha256), undefined);
  const named = new Map([[pool, { source: path, sha256 }]]);
  await second.checkReliedOn(named);

  // The first request is refused and takes its file back: the second places its own copy,
  // and takes that back in turn when it is refused.
  await unlink(join(repoDir, pool));
  await second.checkReliedOn(named);
  assert.deepEqual(await readFile(join(repoDir, pool)), await readFile(path));
  await second.undo(t.db, t.repo.settings.suite);
  await assert.rejects(lstat(join(repoDir, pool)), { code: 'ENOENT' });

  // Other bytes under that name by commit time: refused.
  first.link(path, pool, file);
  const third = new PoolChanges(repoDir);
  assert.deepEqual(await third.relyOnIfSame(pool, sha256), { same: true, sha256 });
  await unlink(join(repoDir, pool));
  await writeFile(join(repoDir, pool), 'other bytes');
  await assert.rejects(third.checkReliedOn(named), (err: unknown) => isRepoError(err, 'pool-conflict'));
});

test('a request refused after its packages were linked (a version conflict) leaves the pool as it was', async () => {
  const repoDir = t.repo.settings.dir;
  const old = await writeSyntheticDeb(join(work, 'conflict-old'), { name: 'libpconflict', version: '1.0-1' });
  await addPackages(t.db, t.repo, { debs: [{ path: old }] });
  const before = await tree(join(repoDir, 'pool'));

  const debs = [];
  for (let i = 0; i < 40; i++)
    debs.push(await writeSyntheticDeb(join(work, 'conflict-new'), { name: `libpfresh${String(i).padStart(2, '0')}`, version: '1.0-1' }));
  // Same name and version, other bytes: found only once every package is inspected and linked.
  debs.push(await writeSyntheticDeb(join(work, 'conflict-rebuilt'), { name: 'libpconflict', version: '1.0-1', readme: 'a rebuild' }));
  await assert.rejects(addPackages(t.db, t.repo, { debs: debs.map((path) => ({ path })) }), (err: unknown) =>
    isRepoError(err, 'version-conflict'),
  );
  assert.deepEqual(await tree(join(repoDir, 'pool')), before);
});

test('a package older than the versions kept leaves no file behind', async () => {
  const repoDir = t.repo.settings.dir;
  const newer = await writeSyntheticDeb(join(work, 'kept-new'), { name: 'libpkept', version: '2.0-1' });
  await addPackages(t.db, t.repo, { debs: [{ path: newer }] });
  const older = await writeSyntheticDeb(join(work, 'kept-old'), { name: 'libpkept', version: '1.0-1' });
  const added = await addPackages(t.db, t.repo, { debs: [{ path: older }] });
  assert.equal(added.packages[0]?.outcome, 'not-indexed');
  assert.deepEqual(await tree(join(repoDir, 'pool/main/libp/libpkept')), ['libpkept_2.0-1_stubdom-amd64.deb']);
  const rows = await t.db.selectFrom('repo_packages').select('version').where('name', '=', 'libpkept').execute();
  assert.deepEqual(rows, [{ version: '2.0-1' }], 'the row written while it was inspected is gone again');
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addToPool } from '../src/repo/pool/pool-store.ts';
import { RepoError } from '../src/repo/repo-error.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

const POOL_PATH = 'pool/main/s/stub/libstub1_1.0-1_stubdom-amd64.deb';

let dir: string;
let repo: string;
before(async () => {
  dir = await makeTempDir('stubbuild-pool-');
  repo = join(dir, 'repo');
});
after(async () => {
  await removeTempDir(dir);
});

async function source(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

test('a new file is hard-linked into the pool, world-readable, with no temporary left behind', async () => {
  const src = await source('a.deb', 'first build');
  const res = await addToPool(repo, src, POOL_PATH);
  assert.equal(res.action, 'added');
  assert.equal(res.linked, true);
  const [s, p] = await Promise.all([stat(src), stat(join(repo, POOL_PATH))]);
  assert.equal(p.ino, s.ino);
  assert.equal(p.mode & 0o777, 0o644);
  assert.deepEqual(await readdir(join(repo, 'pool/main/s/stub')), ['libstub1_1.0-1_stubdom-amd64.deb']);
});

test('the same bytes again are already present', async () => {
  const res = await addToPool(repo, await source('a-again.deb', 'first build'), POOL_PATH);
  assert.equal(res.action, 'already-present');
});

test('different bytes under the same name and version are a pool conflict', async () => {
  await assert.rejects(
    addToPool(repo, await source('b.deb', 'a rebuild with other bytes'), POOL_PATH),
    (err: unknown) => err instanceof RepoError && err.code === 'pool-conflict',
  );
  assert.equal(await readFile(join(repo, POOL_PATH), 'utf8'), 'first build');
});

test('force replaces the file atomically', async () => {
  const res = await addToPool(repo, await source('c.deb', 'forced rebuild'), POOL_PATH, { force: true });
  assert.equal(res.action, 'replaced');
  assert.equal(await readFile(join(repo, POOL_PATH), 'utf8'), 'forced rebuild');
  assert.equal((await readdir(join(repo, 'pool/main/s/stub'))).length, 1);
});

test('a source that changed since inspection is refused and nothing lands in the pool', async () => {
  const path = 'pool/main/s/stub/stub-tools_1.0-1_stubdom-amd64.deb';
  await assert.rejects(
    addToPool(repo, await source('d.deb', 'changed'), path, { expectedSha256: 'f'.repeat(64) }),
    /changed since it was inspected/,
  );
  await assert.rejects(stat(join(repo, path)), { code: 'ENOENT' });
  assert.deepEqual(
    (await readdir(join(repo, 'pool/main/s/stub'))).filter((n) => n.startsWith('.')),
    [],
  );
});

test('paths outside pool/ are refused', async () => {
  const src = await source('e.deb', 'x');
  for (const bad of ['../escape.deb', 'pool/../../escape.deb', 'dists/unstable/InRelease', '/tmp/x.deb', 'pool/main/.hidden.deb']) {
    await assert.rejects(addToPool(repo, src, bad), (err: unknown) => err instanceof RepoError && err.code === 'bad-path', bad);
  }
});

test('concurrent adds of different files to one path: exactly one wins, the rest conflict', async () => {
  const path = 'pool/main/r/race/race_1.0_stubdom-amd64.deb';
  const sources = await Promise.all([1, 2, 3, 4, 5].map((i) => source(`race-${i}.deb`, `build ${i}`)));
  const results = await Promise.allSettled(sources.map((s) => addToPool(repo, s, path)));
  const won = results.filter((r) => r.status === 'fulfilled');
  assert.equal(won.length, 1);
  for (const r of results) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof RepoError && r.reason.code === 'pool-conflict', String(r.reason));
  }
  const winner = sources[results.indexOf(won[0]!)]!;
  assert.equal(await readFile(join(repo, path), 'utf8'), await readFile(winner, 'utf8'));
});

test('a source on another filesystem is copied', async () => {
  // /dev/shm is a tmpfs on Linux; where it is the same filesystem the link path is taken instead.
  const other = await mkdtemp('/dev/shm/stubbuild-pool-');
  try {
    const src = join(other, 'f.deb');
    await writeFile(src, 'from another filesystem');
    const crossDevice = (await stat(other)).dev !== (await stat(dir)).dev;
    const res = await addToPool(repo, src, 'pool/main/o/other/other_1.0_stubdom-amd64.deb');
    assert.equal(res.linked, !crossDevice);
    assert.equal(await readFile(join(repo, 'pool/main/o/other/other_1.0_stubdom-amd64.deb'), 'utf8'), 'from another filesystem');
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

// A bulk upload (more packages than are inspected in place) is filed while it arrives, its small
// parts held in memory until a filing thread writes them: all of it published on success; on a
// refusal the lowest refused package is named, and nothing is left behind: no staging file, no
// pool file, no index change, no bytes still counted as held in memory.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { multipartBody } from './helpers/source-package.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ MAX_UPLOAD_FILES: '500' });
});
after(() => t.close());

function post(debs: Buffer[]) {
  const body = multipartBody(debs.map((content, i) => ({ name: `part-${i}.deb`, content })));
  return t.app.inject({
    method: 'POST',
    url: '/v1/admin/packages',
    headers: { ...bearer(t.adminToken), ...body.headers },
    payload: body.payload,
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const bulk = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => syntheticDebBytes({ name: `${prefix}${String(i).padStart(3, '0')}`, version: '1.0-1' }));

test('a bulk upload with one bad package in the middle is refused by its place, leaving nothing behind', async () => {
  const debs = bulk('librefbulk', 300);
  debs[170] = Buffer.from('not a package at all');
  const poolBefore = await filesUnder(join(t.repo.settings.dir, 'pool'));
  const res = await post(debs);
  assert.equal(res.statusCode, 422, res.body);
  assert.match(res.json().detail, /^package 171 of 300: not a Debian package/);
  assert.deepEqual(await filesUnder(join(t.repo.settings.dir, 'pool')), poolBefore, 'no pool file added');
  assert.deepEqual(await filesUnder(t.store.tmpDir), [], 'no staging file left');
  const rows = await t.db.selectFrom('repo_packages').select('name').where('name', 'like', 'librefbulk%').execute();
  assert.equal(rows.length, 0, 'no package row');
  assert.equal(t.store.memory.inUse, 0, 'no bytes held in memory');
});

test('a bulk upload refused while it arrives, after many parts were filed, leaves nothing behind', async () => {
  const limited = await createTestApp({ MAX_UPLOAD_FILES: '500', MAX_UPLOAD_FILE_BYTES: '8192' });
  try {
    const debs = bulk('libcutbulk', 300);
    debs[250] = Buffer.alloc(16 * 1024, 1);
    const poolBefore = await filesUnder(join(limited.repo.settings.dir, 'pool'));
    const body = multipartBody(debs.map((content, i) => ({ name: `part-${i}.deb`, content })));
    const res = await limited.app.inject({
      method: 'POST',
      url: '/v1/admin/packages',
      headers: { ...bearer(limited.adminToken), ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 413, res.body);
    assert.match(res.json().detail, /part-250\.deb is larger than the limit of 8192 bytes/);
    assert.deepEqual(await filesUnder(join(limited.repo.settings.dir, 'pool')), poolBefore, 'no pool file added');
    assert.deepEqual(await filesUnder(limited.store.tmpDir), [], 'no staging file left');
    const rows = await limited.db.selectFrom('repo_packages').select('name').where('name', 'like', 'libcutbulk%').execute();
    assert.equal(rows.length, 0, 'no package row');
    assert.equal(limited.store.memory.inUse, 0, 'no bytes held in memory');
  } finally {
    await limited.close();
  }
});

test('a bulk upload of 300 packages is published whole, in the order sent', async () => {
  const res = await post(bulk('libokbulk', 300));
  assert.equal(res.statusCode, 200, res.body);
  const packages = res.json().packages as { name: string; outcome: string }[];
  assert.equal(packages.length, 300);
  assert.deepEqual(
    packages.map((p) => p.name),
    Array.from({ length: 300 }, (_, i) => `libokbulk${String(i).padStart(3, '0')}`),
  );
  assert.ok(packages.every((p) => p.outcome === 'added'));
  assert.deepEqual(await filesUnder(t.store.tmpDir), [], 'no staging file left');
  assert.equal(t.store.memory.inUse, 0, 'no bytes held in memory');
});

// The package routes: versions the index keeps, listing, removal, and who may do what.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getField, parseDeb822 } from '../src/debian/deb822.ts';
import { multipartBody } from './helpers/source-package.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

function post(t: TestApp, debs: Buffer[], opts: { query?: string; token?: string } = {}) {
  const body = multipartBody(debs.map((content, i) => ({ name: `part-${i}.deb`, content })));
  return t.app.inject({
    method: 'POST',
    url: `/v1/admin/packages${opts.query ?? ''}`,
    headers: { ...bearer(opts.token ?? t.adminToken), ...body.headers },
    payload: body.payload,
  });
}

/** name → versions, as the published Packages file lists them. */
async function indexed(t: TestApp): Promise<Record<string, string[]>> {
  const text = await readFile(join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/Packages'), 'utf8');
  const out: Record<string, string[]> = {};
  for (const p of parseDeb822(text)) (out[getField(p, 'Package')!] ??= []).push(getField(p, 'Version')!);
  return out;
}

describe('with the default REPO_KEEP_VERSIONS=1', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('a newer version replaces the older one in the index; the older file stays in the pool', async () => {
    assert.equal((await post(t, [syntheticDebBytes({ name: 'libver1', version: '1.0-1' })])).statusCode, 200);
    const res = await post(t, [syntheticDebBytes({ name: 'libver1', version: '1.0-2' })]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().packages[0].outcome, 'added');
    assert.deepEqual((await indexed(t)).libver1, ['1.0-2']);
    await readFile(join(t.repo.settings.dir, 'pool/main/libv/libver1/libver1_1.0-1_stubdom-amd64.deb'));
  });

  test('the answer comes once /apt/ serves an index listing the package', async () => {
    const res = await post(t, [syntheticDebBytes({ name: 'libvisible1', version: '3.0-1' })]);
    assert.equal(res.statusCode, 200, res.body);
    const inRelease = await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/InRelease' });
    const hash = /^ ([0-9a-f]{64}) +\d+ main\/binary-stubdom-amd64\/Packages$/m.exec(inRelease.body)![1];
    const packages = await t.app.inject({ method: 'GET', url: `/apt/dists/stubdom/main/binary-stubdom-amd64/by-hash/SHA256/${hash}` });
    assert.match(packages.body, /^Package: libvisible1\nVersion: 3\.0-1$/m);
    assert.equal(
      res.json().publication.releaseSha256,
      createHash('sha256')
        .update((await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/Release' })).rawPayload)
        .digest('hex'),
    );
  });

  test('an older version is accepted but does not displace the newer one', async () => {
    const res = await post(t, [syntheticDebBytes({ name: 'libver1', version: '0.9-1' })]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().packages[0].outcome, 'not-indexed');
    assert.deepEqual((await indexed(t)).libver1, ['1.0-2']);
  });

  test('the same file again is already-present and changes nothing', async () => {
    const before = await t.db.selectFrom('repo_suites').select('generation').executeTakeFirstOrThrow();
    const res = await post(t, [syntheticDebBytes({ name: 'libver1', version: '1.0-2' })]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().packages[0].outcome, 'already-present');
    const after = await t.db.selectFrom('repo_suites').select('generation').executeTakeFirstOrThrow();
    assert.equal(after.generation, before.generation);
  });

  test('versions compare as dpkg does (1.10 is newer than 1.9, ~ sorts first)', async () => {
    await post(t, [syntheticDebBytes({ name: 'libdpkg1', version: '1.9' })]);
    await post(t, [syntheticDebBytes({ name: 'libdpkg1', version: '1.10' })]);
    assert.equal((await post(t, [syntheticDebBytes({ name: 'libdpkg1', version: '1.10~rc1' })])).json().packages[0].outcome, 'not-indexed');
    assert.deepEqual((await indexed(t)).libdpkg1, ['1.10']);
  });

  test('GET /v1/packages filters by name and pages with a cursor', async () => {
    await post(
      t,
      ['libpage1', 'libpage2', 'libpage3'].map((name) => syntheticDebBytes({ name, version: '1.0-1' })),
    );
    const first = await t.app.inject({ method: 'GET', url: '/v1/packages?limit=2' });
    assert.equal(first.statusCode, 200, first.body);
    const page1 = first.json();
    assert.equal(page1.items.length, 2);
    const names: string[] = page1.items.map((i: { name: string }) => i.name);
    let cursor = page1.nextCursor;
    while (cursor) {
      const next = (await t.app.inject({ method: 'GET', url: `/v1/packages?limit=2&cursor=${cursor}` })).json();
      names.push(...next.items.map((i: { name: string }) => i.name));
      cursor = next.nextCursor;
    }
    assert.deepEqual(names, ['libdpkg1', 'libpage1', 'libpage2', 'libpage3', 'libver1', 'libvisible1']);
    const one = (await t.app.inject({ method: 'GET', url: '/v1/packages?name=libpage2' })).json();
    assert.deepEqual(
      one.items.map((i: { name: string; version: string; published: boolean }) => [i.name, i.version, i.published]),
      [['libpage2', '1.0-1', true]],
    );
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/packages?cursor=bm9wZQ' })).statusCode, 400);
  });

  test('DELETE /v1/admin/packages/{name}/{version} takes it out of the index, then 404', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/admin/packages/libpage2/1.0-1', headers: bearer(t.adminToken) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().removed.map((r: { name: string }) => r.name),
      ['libpage2'],
    );
    assert.equal((await indexed(t)).libpage2, undefined);
    const again = await t.app.inject({ method: 'DELETE', url: '/v1/admin/packages/libpage2/1.0-1', headers: bearer(t.adminToken) });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().type, 'urn:stubbuild:problem:not-found');
  });

  test('an epoch version is addressed with its epoch', async () => {
    await post(t, [syntheticDebBytes({ name: 'libepoch1', version: '2:1.0-1' })]);
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/admin/packages/libepoch1/2:1.0-1', headers: bearer(t.adminToken) });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('only admins add or remove; anyone reads (PUBLIC_READS)', async () => {
    assert.equal((await post(t, [syntheticDebBytes({ name: 'libnope1', version: '1' })], { token: t.submitToken })).statusCode, 403);
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: '/v1/admin/packages/libver1/1.0-2', headers: bearer(t.submitToken) })).statusCode,
      403,
    );
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/admin/packages' })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/packages' })).statusCode, 200);
  });

  test('after all these publications no temporary file is left under dists/ or pool/', async () => {
    const names = await readdir(t.repo.settings.dir, { recursive: true });
    assert.deepEqual(
      names.filter((n) => /(^|\/)\.tmp-/.test(n)),
      [],
    );
  });

  test('a JSON body is 415, an upload without files 400', async () => {
    const json = await t.app.inject({ method: 'POST', url: '/v1/admin/packages', headers: bearer(t.adminToken), payload: { debs: [] } });
    assert.equal(json.statusCode, 415, json.body);
    const empty = multipartBody([]);
    const none = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/packages',
      headers: { ...bearer(t.adminToken), ...empty.headers },
      payload: empty.payload,
    });
    assert.equal(none.statusCode, 400, none.body);
  });
});

describe('with REPO_KEEP_VERSIONS=2', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ REPO_KEEP_VERSIONS: '2' });
  });
  after(() => t.close());

  test('the index keeps the two newest versions, whatever order they arrive in', async () => {
    for (const version of ['1.0-2', '1.0-1', '1.0-4', '1.0-3']) {
      assert.equal((await post(t, [syntheticDebBytes({ name: 'libtwo1', version })])).statusCode, 200);
    }
    assert.deepEqual((await indexed(t)).libtwo1, ['1.0-3', '1.0-4']);
  });

  test('one upload with three versions keeps two of them', async () => {
    const res = await post(
      t,
      ['3.0', '1.0', '2.0'].map((version) => syntheticDebBytes({ name: 'libthree1', version })),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().packages.map((p: { version: string; outcome: string }) => `${p.version} ${p.outcome}`),
      ['3.0 added', '1.0 not-indexed', '2.0 added'],
    );
    assert.deepEqual((await indexed(t)).libthree1, ['2.0', '3.0']);
  });
});

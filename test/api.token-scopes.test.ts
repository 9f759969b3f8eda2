// Who may submit what: a token scoped to source globs, the read-only role, admin-only
// takeovers, and superseding that never cancels another token's jobs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeSourcePackage, multipartBody } from './helpers/source-package.ts';
import { stateOf } from './helpers/dependency-fixtures.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

async function newToken(body: Record<string, unknown>): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/admin/tokens', headers: bearer(t.adminToken), payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().token as string;
}

async function upload(token: string, name: string, version: string, extra: { name: string; content: string; text: true }[] = []) {
  const pkg = makeSourcePackage({ name, version });
  try {
    const body = multipartBody([...pkg.files, ...extra]);
    return await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  } finally {
    pkg.cleanup();
  }
}

test('a token scoped to lib* submits libfoo but is refused zlib with 403, naming the source', async () => {
  const scoped = await newToken({ role: 'submit', name: 'xen ci', sources: ['lib*', 'xen-?tub'] });
  assert.equal((await upload(scoped, 'libscoped', '1.0')).statusCode, 202);
  assert.equal((await upload(scoped, 'xen-stub', '1.0')).statusCode, 202, '? matches one character');

  const refused = await upload(scoped, 'zlib', '1:1.2.13.dfsg');
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().type, 'urn:stubbuild:problem:forbidden');
  assert.match(refused.json().detail, /may not submit zlib: it may submit only lib\*, xen-\?tub/);

  const reference = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(scoped), payload: { source: 'zlib' } });
  assert.equal(reference.statusCode, 403);
  assert.equal(reference.json().source, 'zlib');
  const batch = await t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: bearer(scoped),
    payload: { sources: [{ source: 'libyaml' }, { source: 'zlib' }] },
  });
  assert.equal(batch.statusCode, 403, batch.body);
  const jobs = await t.db.selectFrom('jobs').select('source').where('source', 'in', ['zlib', 'libyaml']).execute();
  assert.deepEqual(jobs, [], 'a refused batch keeps none of its members');

  const listed = await t.app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: bearer(t.adminToken) });
  assert.deepEqual(listed.json().items.find((i: { name: string }) => i.name === 'xen ci').sources, ['lib*', 'xen-?tub']);
});

test('a read token reads but cannot submit', async () => {
  const reader = await newToken({ role: 'read', name: 'apt mirror' });
  assert.equal((await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(reader) })).statusCode, 200);
  const refused = await upload(reader, 'libread', '1.0');
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().detail, /may only read/);
  assert.equal((await t.app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: bearer(reader) })).statusCode, 403);
});

test("a token that did not submit a queued job cannot supersede it; an admin's submission supersedes any", async () => {
  const other = await newToken({ role: 'submit', name: 'another team' });
  const mine = (await upload(t.submitToken, 'libshared', '1.0~rc1')).json().id as number;
  const theirs = (await upload(other, 'libshared', '1.0+really1.0')).json().id as number;
  assert.equal((await stateOf(t.db, mine)).state, 'queued', "another token's newer version leaves my job alone");

  const admin = (await upload(t.adminToken, 'libshared', '2:1.1')).json().id as number;
  for (const id of [mine, theirs]) {
    const job = await stateOf(t.db, id);
    assert.equal(job.state, 'cancelled');
    assert.equal(job.reason, `superseded by 2:1.1 (job ${admin})`);
  }
});

test('only an admin may let a build take over packages of another source', async () => {
  const field = { name: 'allowTakeover', content: 'stubdom-libc-dev, zlib1g-dev', text: true as const };
  const refused = await upload(t.submitToken, 'libtakeover', '1.0', [field]);
  assert.equal(refused.statusCode, 403, refused.body);
  const refusedJson = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: bearer(t.submitToken),
    payload: { source: 'zlib', allowTakeover: ['zlib1g'] },
  });
  assert.equal(refusedJson.statusCode, 403);
  assert.equal((await t.db.selectFrom('jobs').select('id').where('source', '=', 'libtakeover').execute()).length, 0);

  const allowed = await upload(t.adminToken, 'libtakeover', '1.0', [field]);
  assert.equal(allowed.statusCode, 202, allowed.body);
  assert.deepEqual(allowed.json().allowTakeover, ['stubdom-libc-dev', 'zlib1g-dev']);
  const bad = await upload(t.adminToken, 'libtakeover', '1.1', [{ ...field, content: 'Not A Name' }]);
  assert.equal(bad.statusCode, 400, bad.body);
});

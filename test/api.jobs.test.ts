import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { uploadSource } from './helpers/pipeline-app.ts';
import { makeSourcePackage, multipartBody } from './helpers/source-package.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('an archive reference is answered 202 with Location and the job, which starts fetching', async () => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: bearer(t.submitToken),
    payload: { source: 'zlib', version: '1:1.2.13.dfsg-1' },
  });
  assert.equal(res.statusCode, 202, res.body);
  const job = res.json();
  assert.equal(res.headers.location, `/v1/jobs/${job.id}`);
  assert.deepEqual(
    { state: job.state, source: job.source, version: job.version, suite: job.suite, origin: job.origin },
    { state: 'fetching', source: 'zlib', version: '1:1.2.13.dfsg-1', suite: 'bookworm', origin: 'archive' },
  );

  const one = await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` });
  assert.equal(one.statusCode, 200);
  assert.deepEqual(
    one.json().events.map((e: { from: string | null; to: string; reason: string }) => [e.from, e.to, e.reason]),
    [[null, 'fetching', 'submitted']],
  );
});

test('an uploaded source package is stored content-addressed and queued', async () => {
  const pkg = makeSourcePackage({ name: 'libstubupload', version: '2.0' });
  try {
    const body = multipartBody(pkg.files);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(t.submitToken), ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 202, res.body);
    const job = res.json();
    assert.equal(job.state, 'queued');
    assert.equal(job.source, 'libstubupload');
    assert.equal(job.version, '2.0');
    assert.deepEqual(job.binaries, ['libstubupload-dev']);
    assert.equal(job.buildDepends, 'debhelper-compat (= 13)');
    assert.deepEqual(job.files.map((f: { name: string }) => f.name).sort(), pkg.files.map((f) => f.name).sort());
    for (const file of job.files as { name: string; sha256: string; size: number }[]) {
      const stored = fs.readFileSync(t.store.pathOf(file.sha256));
      assert.deepEqual(stored, pkg.files.find((f) => f.name === file.name)!.content);
    }
    assert.deepEqual(fs.readdirSync(t.store.tmpDir), [], 'staging is empty afterwards');
  } finally {
    pkg.cleanup();
  }
});

test('GET /v1/jobs lists summaries; GET /v1/jobs/{id} adds the declared binaries, build-dependencies and stored files', async () => {
  const pkg = makeSourcePackage({ name: 'libstubsummary', version: '2.1~rc1+ds' });
  try {
    const id = await uploadSource(t, pkg);
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/jobs?source=libstubsummary' })).json().items;
    assert.equal(listed.length, 1);
    const detailOnly = ['binaries', 'buildDepends', 'buildDependsArch', 'allowTakeover', 'files'];
    assert.deepEqual(
      detailOnly.filter((key) => key in listed[0]),
      [],
      'a summary leaves out what the job itself shows',
    );
    assert.deepEqual(
      { id: listed[0].id, state: listed[0].state, source: listed[0].source, version: listed[0].version },
      { id, state: 'queued', source: 'libstubsummary', version: '2.1~rc1+ds' },
    );

    const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    assert.deepEqual(job.binaries, ['libstubsummary-dev']);
    assert.equal(job.buildDepends, 'debhelper-compat (= 13)');
    assert.deepEqual(job.files.map((f: { name: string }) => f.name).sort(), pkg.files.map((f) => f.name).sort());
    const { events: _events, attempts: _attempts, artifacts: _artifacts, ...whole } = job;
    for (const [key, value] of Object.entries(listed[0])) assert.deepEqual(whole[key], value, `the summary's ${key} is the job's`);
  } finally {
    pkg.cleanup();
  }
});

test('GET /v1/jobs filters by state and source and pages in a stable order', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(t.submitToken),
      payload: { source: 'pciutils', suite: 'bookworm' },
    });
    ids.push(res.json().id);
  }
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `source=pciutils&state=fetching&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs?${query}` });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as { items: { id: number; source: string }[]; nextCursor: string | null };
    assert.ok(page.items.length <= 2);
    assert.ok(page.items.every((j) => j.source === 'pciutils'));
    seen.push(...page.items.map((j) => j.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, [...ids].reverse(), 'newest first, each job once');

  const none = await t.app.inject({ method: 'GET', url: '/v1/jobs?source=pciutils&state=published' });
  assert.deepEqual(none.json(), { items: [], nextCursor: null });
});

test('the same Idempotency-Key returns the same job; a different request with it is refused', async () => {
  const send = (source: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(t.submitToken), 'idempotency-key': 'ci-run-77' },
      payload: { source },
    });
  const first = await send('gmp');
  const again = await send('gmp');
  assert.equal(first.statusCode, 202);
  assert.equal(again.statusCode, 202);
  assert.equal(again.json().id, first.json().id);
  assert.equal(again.headers['idempotent-replayed'], 'true');

  const other = await send('nettle');
  assert.equal(other.statusCode, 422);
  assert.equal(other.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(other.json().type, 'urn:stubbuild:problem:idempotency-conflict');

  // Keys belong to a token: another token's same key is a new request.
  const admin = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(t.adminToken), 'idempotency-key': 'ci-run-77' },
    payload: { source: 'gmp' },
  });
  assert.equal(admin.statusCode, 202);
  assert.notEqual(admin.json().id, first.json().id);
});

test('tokens: created once with their secret, listed without it, revoked at once', async () => {
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/admin/tokens',
    headers: bearer(t.adminToken),
    payload: { role: 'submit', name: 'ci-xen' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const { id, token } = created.json();
  assert.match(token, /^sbt_/);

  const list = await t.app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: bearer(t.adminToken) });
  assert.equal(list.statusCode, 200);
  assert.ok(list.json().items.some((i: { id: string }) => i.id === id));
  assert.ok(!list.body.includes(token), 'no secret in the list');
  assert.ok(!list.body.includes('hash'), 'no hash either');

  const ok = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(token), payload: { source: 'zlib' } });
  assert.equal(ok.statusCode, 202);
  const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/admin/tokens/${id}`, headers: bearer(t.adminToken) });
  assert.equal(revoked.statusCode, 200);
  assert.ok(revoked.json().revokedAt);
  const refused = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(token), payload: { source: 'zlib' } });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.json().detail, /revoked/);
});

test('health and readiness', async () => {
  assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200, ready.body);
  assert.deepEqual(ready.json(), { status: 'ready' });
});

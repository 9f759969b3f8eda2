import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snapshotState } from './helpers/db-snapshot.ts';
import { publishSynthetic } from './helpers/dependency-fixtures.ts';
import { makeSourcePackage, multipartBody, type SourcePackage } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
const made: SourcePackage[] = [];
before(async () => {
  t = await createTestApp();
});
after(async () => {
  made.forEach((p) => p.cleanup());
  await t?.close();
});

function source(name: string, buildDepends = 'debhelper-compat (= 13)', version = '1.0'): SourcePackage {
  const pkg = makeSourcePackage({ name, version, buildDepends });
  made.push(pkg);
  return pkg;
}

async function postBatch(
  packages: SourcePackage[],
  extra: { name: string; content: string; field: string; text?: boolean }[] = [],
  headers: Record<string, string> = {},
) {
  const body = multipartBody([...packages.flatMap((p) => p.files), ...extra]);
  return t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: { ...bearer(t.submitToken), ...body.headers, ...headers },
    payload: body.payload,
  });
}

test('a batch is recorded in build order: members needing another member start dep-wait for its binary', async () => {
  const res = await postBatch([
    source('chainc', 'debhelper-compat (= 13), chainb-dev'),
    source('chaina'),
    source('chainb', 'debhelper-compat (= 13), chaina-dev (>= 0.9)'),
    source('chainsolo'),
  ]);
  assert.equal(res.statusCode, 202, res.body);
  const batch = res.json();
  assert.equal(res.headers.location, `/v1/batches/${batch.id}`);
  const members = batch.members as { jobId: number; source: string; state: string; unmetRelations: string[]; reason: string }[];
  assert.deepEqual(
    members.map((m) => [m.source, m.state, m.unmetRelations]),
    [
      ['chaina', 'queued', []],
      ['chainb', 'dep-wait', ['chaina-dev (>= 1.0)']],
      ['chainc', 'dep-wait', ['chainb-dev (>= 1.0)']],
      ['chainsolo', 'queued', []],
    ],
  );
  assert.match(members[1]!.reason, new RegExp(`waits for chaina-dev \\(>= 1\\.0\\) from job ${members[0]!.jobId} \\(chaina\\)`));

  const shown = await t.app.inject({ method: 'GET', url: `/v1/batches/${batch.id}`, headers: bearer(t.submitToken) });
  assert.equal(shown.statusCode, 200);
  assert.deepEqual(shown.json(), batch);
  const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${members[2]!.jobId}`, headers: bearer(t.submitToken) })).json();
  assert.equal(job.batchId, batch.id);
  assert.deepEqual(job.unmetRelations, ['chainb-dev (>= 1.0)']);
  assert.match(job.explanation, /chainb-dev \(>= 1\.0\), which job \d+ \(chainb 1\.0, dep-wait\) will build/);
});

test('a cycle is refused with 422 naming its members; nothing is kept', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const res = await postBatch([
    source('cyca', 'debhelper-compat (= 13), cycb-dev'),
    source('cycb', 'debhelper-compat (= 13), cyca-dev'),
    source('cycfree'),
  ]);
  assert.equal(res.statusCode, 422, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json();
  assert.equal(problem.type, 'urn:stubbuild:problem:dependency-cycle');
  assert.match(problem.detail, /cyca 1\.0 needs cycb-dev \(>= 1\.0\) from cycb; cycb 1\.0 needs cyca-dev \(>= 1\.0\) from cyca/);
  assert.deepEqual(problem.cycle.map((m: { source: string }) => m.source).sort(), ['cyca', 'cycb']);
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});

test('one bad member refuses the whole batch; nothing is kept', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const good = source('badgood');
  const broken = source('badbroken');
  const withoutTarball = { ...broken, files: broken.files.filter((f) => f.name.endsWith('.dsc')) };
  const res = await postBatch([good, withoutTarball]);
  assert.equal(res.statusCode, 422, res.body);
  assert.match(res.json().detail, /listed in the \.dsc but not uploaded/);
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);

  const stray = await postBatch([good], [{ name: 'stray.txt', content: 'x', field: 'file' }]);
  assert.equal(stray.statusCode, 422);
  assert.match(stray.json().detail, /stray\.txt is not listed in any \.dsc/);
  const twice = await postBatch([good, source('badgood', 'debhelper-compat (= 13)', '2.0')]);
  assert.equal(twice.statusCode, 422);
  assert.match(twice.json().detail, /source badgood is in the batch twice/);
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});

test('archive references: JSON alone, or a sources field beside uploads; an unknown suite refuses the batch', async () => {
  const json = await t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: bearer(t.submitToken),
    payload: { sources: [{ source: 'zlib' }, { source: 'libpng1.6', version: '1.6.39-2' }] },
  });
  assert.equal(json.statusCode, 202, json.body);
  assert.deepEqual(
    json.json().members.map((m: { source: string; state: string; origin: string }) => [m.source, m.state, m.origin]),
    [
      ['zlib', 'fetching', 'archive'],
      ['libpng1.6', 'fetching', 'archive'],
    ],
  );

  const mixed = await postBatch(
    [source('mixedup')],
    [{ name: 'sources', content: JSON.stringify({ sources: [{ source: 'expat' }] }), field: 'sources', text: true }],
  );
  assert.equal(mixed.statusCode, 202, mixed.body);
  assert.deepEqual(
    mixed.json().members.map((m: { source: string }) => m.source),
    ['mixedup', 'expat'],
  );

  const before = await snapshotState(t.db, t.dataDir);
  const unknown = await postBatch(
    [source('mixedtoo')],
    [{ name: 'sources', content: JSON.stringify({ sources: [{ source: 'expat', suite: 'hamm' }] }), field: 'sources', text: true }],
  );
  assert.equal(unknown.statusCode, 422);
  assert.equal(unknown.json().type, 'urn:stubbuild:problem:unknown-suite');
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});

test('a member whose dependency is already published at that version starts queued', async () => {
  await publishSynthetic(t.db, t.repo, [{ name: 'prepub-dev', version: '1.0' }]);
  const res = await postBatch([source('prepub'), source('prepubuser', 'debhelper-compat (= 13), prepub-dev')]);
  assert.equal(res.statusCode, 202, res.body);
  assert.deepEqual(
    res.json().members.map((m: { state: string }) => m.state),
    ['queued', 'queued'],
  );
});

test('a retry with the same Idempotency-Key returns the same batch', async () => {
  const pkgs = [source('idema'), source('idemb')];
  const first = await postBatch(pkgs, [], { 'idempotency-key': 'batch-1' });
  const again = await postBatch(pkgs, [], { 'idempotency-key': 'batch-1' });
  assert.equal(first.statusCode, 202);
  assert.equal(again.statusCode, 202);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json().id, first.json().id);
  const other = await postBatch([source('idemc')], [], { 'idempotency-key': 'batch-1' });
  assert.equal(other.statusCode, 422);
});

test('submitting needs a token; an unknown batch is 404; an empty batch is refused', async () => {
  assert.equal((await t.app.inject({ method: 'POST', url: '/v1/batches', payload: { sources: [{ source: 'zlib' }] } })).statusCode, 401);
  assert.equal((await t.app.inject({ method: 'GET', url: '/v1/batches/999999', headers: bearer(t.submitToken) })).statusCode, 404);
  const empty = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: bearer(t.submitToken), payload: { sources: [] } });
  assert.equal(empty.statusCode, 400);
});

// A publication that fails after the packages were committed: the answer says so (503), /readyz
// reports the repository unwritable, and the publisher tries again by itself until apt sees them.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { multipartBody } from './helpers/source-package.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitFor } from './helpers/wait-for.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

test('a failed publication is answered 503, makes /readyz not ready, and is retried until it works', async () => {
  const dists = path.join(t.repo.settings.dir, 'dists');
  // Root ignores file modes: a file where the dists/ folder must be stops any writer.
  await fs.rename(dists, `${dists}.away`);
  await fs.writeFile(dists, 'not a directory');

  const body = multipartBody([
    { name: 'libretry-dev.deb', content: syntheticDebBytes({ name: 'libretry-dev', version: '2:1.0~rc1+stubdom1' }) },
  ]);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/admin/packages',
    headers: { ...bearer(t.adminToken), ...body.headers },
    payload: body.payload,
  });
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.json().type, 'urn:stubbuild:problem:publication-pending');
  assert.match(res.json().detail, /the packages were added \(generation \d+\) but the repository could not be published: .*tried again/);

  const listed = await t.app.inject({ method: 'GET', url: '/v1/packages?name=libretry-dev' });
  assert.deepEqual(
    listed.json().items.map((p: { version: string; published: boolean }) => [p.version, p.published]),
    [['2:1.0~rc1+stubdom1', false]],
  );
  const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(notReady.statusCode, 503);
  assert.match(notReady.json().detail, /the apt repository cannot be written since/);

  await fs.rm(dists);
  await fs.rename(`${dists}.away`, dists);
  // No further request: the publisher's own retry publishes the committed rows.
  await waitFor('the retry to publish', async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, {
    stallMs: 30_000,
    intervalMs: 200,
  });
  const packages = await fs.readFile(path.join(dists, 'stubdom/main/binary-stubdom-amd64/Packages'), 'utf8');
  assert.match(packages, /^Package: libretry-dev\nVersion: 2:1\.0~rc1\+stubdom1$/m);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeSourcePackage, multipartBody } from './helpers/source-package.ts';
import { insertJob, lastEvent, stateOf } from './helpers/dependency-fixtures.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t?.close());

async function upload(name: string, version: string): Promise<number> {
  const pkg = makeSourcePackage({ name, version });
  try {
    const body = multipartBody(pkg.files);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(t.submitToken), ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 202, res.body);
    return res.json().id as number;
  } finally {
    pkg.cleanup();
  }
}

test('a newer version cancels the queued and dep-wait jobs of older versions, naming itself', async () => {
  const queued = await upload('libsuper', '1.0');
  const waiting = await insertJob(t.db, { state: 'dep-wait', source: 'libsuper', version: '1.0~rc1', unmetRelations: ['libx-dev'] });
  const newer = await upload('libsuper', '1.0.1');
  for (const old of [queued, waiting]) {
    const job = await stateOf(t.db, old);
    assert.equal(job.state, 'cancelled');
    assert.equal(job.reason, `superseded by 1.0.1 (job ${newer})`);
    assert.equal((await lastEvent(t.db, old)).actor, 'scheduler');
  }
  assert.equal((await stateOf(t.db, newer)).state, 'queued');
});

test('versions are compared as dpkg does, and only jobs that have not started are touched', async () => {
  const building = await insertJob(t.db, { state: 'building', source: 'liborder', version: '1.0' });
  const tilde = await upload('liborder', '2.0~beta1');
  const released = await upload('liborder', '2.0');
  assert.equal((await stateOf(t.db, building)).state, 'building', 'a running build is not cancelled');
  assert.equal((await stateOf(t.db, tilde)).reason, `superseded by 2.0 (job ${released})`);
});

test('an older or equal version supersedes nothing; other sources are untouched', async () => {
  const current = await upload('libkeep', '3.0');
  const other = await upload('libneighbour', '1.0');
  await upload('libkeep', '2.9');
  await upload('libkeep', '3.00'); // the same version to dpkg
  assert.equal((await stateOf(t.db, current)).state, 'queued');
  assert.equal((await stateOf(t.db, other)).state, 'queued');
});

test('a binNMU of the same version is newer than the plain build', async () => {
  const plain = await insertJob(t.db, { state: 'queued', source: 'libbin', version: '1.0' });
  const rebuild = await insertJob(t.db, { state: 'queued', source: 'libbin', version: '1.0', binnmu: 1 });
  await upload('libbin', '1.0+b0'); // between 1.0 and 1.0+b1
  assert.equal((await stateOf(t.db, plain)).state, 'cancelled');
  assert.equal((await stateOf(t.db, rebuild)).state, 'queued');
});

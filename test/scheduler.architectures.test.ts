// One service, several architectures: a job names the one it builds for, an engine takes only
// jobs whose architecture's image it has, and a dep-wait is satisfied only by packages of the
// job's own architecture.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadArchProfiles } from '../src/builders/arch-profile.ts';
import { submitJob } from '../src/jobs/submit-job.ts';
import { resolveDepWaits } from '../src/scheduler/dep-wait.ts';
import { repoRoot } from './helpers/stubdom-arches.ts';
import { insertJob, matchOptions, publishSynthetic, stateOf } from './helpers/dependency-fixtures.ts';
import { outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';
import { attemptsOf, submitTokenId } from './helpers/scheduled-app.ts';
import { waitForJob } from './helpers/wait-for-job.ts';
import { makeSourcePackage, multipartBody } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

const ARCHES = 'stubdom-amd64 stubdom-rumprun-amd64';
const all = await loadArchProfiles(path.join(repoRoot, 'arches'));
const newlib = all.get('stubdom-amd64')!;
const rump = all.get('stubdom-rumprun-amd64')!;
// One engine has only the newlib image, the other both.
const newlibOnly = new ScriptedBuilder('newlib-only', 1, outcomes.buildError(), [newlib.image]);
const both = new ScriptedBuilder('both', 1, outcomes.buildError(), [newlib.image, rump.image]);

let t: TestApp;
before(async () => {
  t = await createTestApp({ ARCHES }, { builds: { profiles: [newlib, rump], engines: [newlibOnly, both], pollMs: 100 } });
});
after(() => t?.close());

async function upload(arch?: string) {
  const pkg = makeSourcePackage({ name: 'libmulti', version: '1.0+ds1' });
  try {
    const body = multipartBody([...pkg.files, ...(arch ? [{ name: 'arch', content: arch, text: true as const }] : [])]);
    return await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(t.submitToken), ...body.headers },
      payload: body.payload,
    });
  } finally {
    pkg.cleanup();
  }
}

test('a job builds for the architecture it names, the first configured by default; the list filters by it', async () => {
  const plain = await upload();
  assert.equal(plain.statusCode, 202, plain.body);
  assert.equal(plain.json().arch, 'stubdom-amd64');
  const forRump = await upload('stubdom-rumprun-amd64');
  assert.equal(forRump.json().arch, 'stubdom-rumprun-amd64');
  assert.equal(
    (await t.db.selectFrom('jobs').select('state').where('id', '=', plain.json().id).executeTakeFirstOrThrow()).state,
    'queued',
    'the same source for another architecture supersedes nothing',
  );
  const reference = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: bearer(t.submitToken),
    payload: { source: 'zlib', arch: 'stubdom-rumprun-amd64' },
  });
  assert.equal(reference.json().arch, 'stubdom-rumprun-amd64');
  const listed = await t.app.inject({ method: 'GET', url: '/v1/jobs?arch=stubdom-rumprun-amd64' });
  assert.deepEqual(
    listed
      .json()
      .items.map((j: { id: number }) => j.id)
      .sort(),
    [forRump.json().id, reference.json().id].sort(),
  );
  const unknown = await upload('stubdom-arm64');
  assert.equal(unknown.statusCode, 422);
  assert.equal(unknown.json().type, 'urn:stubbuild:problem:unsupported-architecture');
});

test('an engine takes only jobs of the architectures whose image it has; the engines list says which', async () => {
  const engines = await t.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(t.adminToken) });
  assert.deepEqual(
    engines.json().items.map((e: { id: string; arches: string[] }) => [e.id, e.arches]),
    [
      ['newlib-only', ['stubdom-amd64']],
      ['both', ['stubdom-amd64', 'stubdom-rumprun-amd64']],
    ],
  );
  const tokenId = await submitTokenId(t);
  const rumpJobs: number[] = [];
  for (const source of ['librump-a', 'librump-b', 'librump-c']) {
    const { job } = await submitJob(t.db, {
      tokenId,
      job: { origin: 'upload', source, version: '1.0', suite: null, arch: rump.arch, files: [], state: 'queued' },
    });
    rumpJobs.push(job.id);
  }
  await t.pipeline!.start();
  for (const id of rumpJobs) await waitForJob(t, id, ['failed']);
  for (const id of rumpJobs) {
    assert.deepEqual(
      (await attemptsOf(t, id)).map((a) => a.engine_id),
      ['both'],
      `job ${id} ran on the engine with the rump image`,
    );
  }
  assert.ok(
    newlibOnly.requests.every((r) => r.image === newlib.image),
    'the newlib-only engine never got a rump job',
  );
  assert.ok(
    both.requests.some((r) => r.image === rump.image),
    "the attempt ran the job's architecture's image",
  );
});

test("a dep-wait is satisfied only by packages of the job's architecture (or all)", async () => {
  // The engines' test above left the pipeline running: its scheduler would claim the job as soon
  // as it is queued, before it is read here (seen once under load: 'building').
  await t.pipeline!.stop();
  const waiting = await insertJob(t.db, { state: 'dep-wait', source: 'needs-foo', arch: rump.arch, unmetRelations: ['libfoo-dev'] });
  await publishSynthetic(t.db, t.repo, [{ name: 'libfoo-dev', version: '1.0', arch: newlib.arch }]);
  await resolveDepWaits(t.db, matchOptions(t.repo));
  assert.equal((await stateOf(t.db, waiting)).state, 'dep-wait', "the other architecture's libfoo-dev does not count");
  await publishSynthetic(t.db, t.repo, [{ name: 'libfoo-dev', version: '1.0', arch: rump.arch }]);
  await resolveDepWaits(t.db, matchOptions(t.repo));
  assert.equal((await stateOf(t.db, waiting)).state, 'queued');
});

test('one repository publishes an index per architecture, both named in one Release', async () => {
  const release = (await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/Release' })).body;
  assert.match(release, /^Architectures: stubdom-amd64 stubdom-rumprun-amd64$/m);
  for (const arch of [newlib.arch, rump.arch]) {
    const packages = await t.app.inject({ method: 'GET', url: `/apt/dists/stubdom/main/binary-${arch}/Packages` });
    assert.equal(packages.statusCode, 200, arch);
    assert.match(packages.body, new RegExp(`^Package: libfoo-dev\\nVersion: 1\\.0\\nArchitecture: ${arch}$`, 'm'));
  }
});

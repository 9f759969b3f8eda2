import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { archProfileSchema } from '../src/builders/arch-profile.ts';
import { handlePublications } from '../src/scheduler/handle-publications.ts';
import { parseInstalledBuildDepends, recordBuildDependencies } from '../src/scheduler/record-build-dependencies.ts';
import { insertJob, lastEvent, matchOptions, publishSynthetic, stateOf } from './helpers/dependency-fixtures.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';
import { loadStubdomProfile } from './helpers/stubdom-arches.ts';

let t: TestApp;
let tmp: string;
before(async () => {
  t = await createTestApp();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-rebuild-'));
});
after(async () => {
  await t?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

const handle = (rebuildOnDependencyChange = true) =>
  handlePublications(t.db, { ...matchOptions(t.repo), rebuildArches: rebuildOnDependencyChange ? ['stubdom-amd64'] : [] });

const buildinfo = (deps: string) =>
  `Format: 1.0\nSource: whatever\nBinary: whatever\nArchitecture: stubdom-amd64\nVersion: 1.0\nInstalled-Build-Depends:\n ${deps.split(', ').join(',\n ')}\n`;

/** A published job of `source` built against `deps`: its package in the index, its .buildinfo recorded. */
async function publishedJob(source: string, version: string, deps: string): Promise<number> {
  const id = await insertJob(t.db, { state: 'published', source, version, binaries: [`${source}-dev`] });
  await t.db
    .insertInto('job_files')
    .values({ job_id: id, name: `${source}_${version}.dsc`, sha256: 'a'.repeat(64), size: 10 })
    .execute();
  const file = path.join(tmp, `${source}-${id}.buildinfo`);
  await fs.writeFile(file, buildinfo(deps));
  await recordBuildDependencies(t.db, { jobId: id, buildinfoPath: file, suite: t.repo.settings.suite });
  await publishSynthetic(t.db, t.repo, [{ name: `${source}-dev`, version, extraFields: { Source: `${source} (${version})` } }], id);
  return id;
}

async function publishDependency(source: string, name: string, version: string, binnmu: number | null = null): Promise<number> {
  const id = await insertJob(t.db, { state: 'published', source, version, binnmu });
  await publishSynthetic(t.db, t.repo, [{ name, version, extraFields: { Source: `${source} (${version.replace(/\+b\d+$/, '')})` } }], id);
  return id;
}

test('Installed-Build-Depends is read from a .buildinfo; only packages of the repository are recorded', async () => {
  assert.deepEqual(parseInstalledBuildDepends(buildinfo('autoconf (= 2.71-3), libdep-dev:stubdom-amd64 (= 1.0), stubdom-doc (= 2)')), [
    { name: 'autoconf', architecture: '', version: '2.71-3' },
    { name: 'libdep-dev', architecture: 'stubdom-amd64', version: '1.0' },
    { name: 'stubdom-doc', architecture: '', version: '2' },
  ]);
  await publishDependency('libdep', 'libdep-dev', '1.0');
  await publishDependency('stubdom-doc', 'stubdom-doc', '2');
  await t.db.updateTable('repo_packages').set({ architecture: 'all' }).where('name', '=', 'stubdom-doc').execute();
  const id = await insertJob(t.db, { state: 'publishing', source: 'recorder' });
  const file = path.join(tmp, 'recorder.buildinfo');
  await fs.writeFile(
    file,
    buildinfo('autoconf (= 2.71-3), libdep-dev:stubdom-amd64 (= 1.0), stubdom-doc (= 2), libdep-dev:amd64 (= 1.0), libdep-dev (= 1.0)'),
  );
  const recorded = await recordBuildDependencies(t.db, { jobId: id, buildinfoPath: file, suite: t.repo.settings.suite });
  assert.deepEqual(
    recorded.map((r) => `${r.name}:${r.architecture}=${r.version}`),
    ['libdep-dev:stubdom-amd64=1.0', 'stubdom-doc:=2', 'libdep-dev:=1.0'],
  );
  await handle();
});

test('a newer version of a package queues a +b1 rebuild of the current build of each source built against an older one', async () => {
  const user = await publishedJob('libuser', '1.0', 'libdep-dev (= 1.0)');
  const unaffected = await publishedJob('libother', '1.0', 'stubdom-doc (= 2)');
  await handle();
  assert.equal((await t.db.selectFrom('jobs').select('id').where('rebuild_of', 'is not', null).execute()).length, 0, 'nothing newer yet');

  const newer = await publishDependency('libdep', 'libdep-dev', '1.1');
  const { rebuilds } = await handle();
  assert.deepEqual(
    rebuilds.map((r) => [r.rebuildOf, r.binNmu]),
    [[user, 1]],
  );
  const rebuild = await t.db.selectFrom('jobs').selectAll().where('id', '=', rebuilds[0]!.jobId).executeTakeFirstOrThrow();
  assert.deepEqual(
    [rebuild.source, rebuild.version, rebuild.binnmu, rebuild.rebuild_of, rebuild.state],
    ['libuser', '1.0', 1, user, 'queued'],
  );
  assert.deepEqual(
    (await t.db.selectFrom('job_files').select('name').where('job_id', '=', rebuild.id).execute()).map((f) => f.name),
    ['libuser_1.0.dsc'],
  );
  const created = await lastEvent(t.db, rebuild.id);
  assert.equal(created.actor, 'scheduler');
  assert.match(String(created.reason), /binNMU rebuild of job \d+ \(libuser 1\.0 \+b1\): built against libdep-dev 1\.0 → 1\.1/);
  assert.ok(newer > user);
  assert.equal((await t.db.selectFrom('jobs').select('id').where('rebuild_of', '=', unaffected).execute()).length, 0);

  // Once per publication, and not while a build of the source is pending.
  assert.deepEqual((await handle()).rebuilds, []);
  await publishDependency('libdep', 'libdep-dev', '1.2');
  assert.deepEqual((await handle()).rebuilds, []);
  assert.equal((await stateOf(t.db, rebuild.id)).state, 'queued');
});

test("a binNMU's packages trigger no further rebuilds (rebuild=direct), so mutual dependencies cannot loop", async () => {
  await publishedJob('libmid', '1.0', 'libdep-dev:stubdom-amd64 (= 1.2)');
  await publishedJob('libtop', '1.0', 'libmid-dev:stubdom-amd64 (= 1.0)');
  await handle();
  await publishDependency('libmid', 'libmid-dev', '1.0+b1', 1);
  assert.deepEqual((await handle()).rebuilds, []);
});

test('rebuildOnDependencyChange: false in the architecture profile turns it off', async () => {
  await publishedJob('libquiet', '1.0', 'libloud-dev:stubdom-amd64 (= 1)');
  await publishDependency('libloud', 'libloud-dev', '1');
  await handle(false);
  await publishDependency('libloud', 'libloud-dev', '2');
  assert.deepEqual((await handle(false)).rebuilds, []);
  const profile = await loadStubdomProfile();
  assert.equal(archProfileSchema.parse({ ...profile, rebuildOnDependencyChange: false }).rebuildOnDependencyChange, false);
  assert.equal(profile.rebuildOnDependencyChange ?? true, true, 'on unless the profile says otherwise');
});

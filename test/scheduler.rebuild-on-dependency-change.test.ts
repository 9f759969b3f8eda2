// Rebuild on dependency change (rebuild=direct), on the real pipeline: B is built against A
// 0.1; publishing A 0.2 queues a binNMU of B by itself, whose .deb is versioned 1.0+b1 and
// links the new A.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BUILD_STALL_MS, debFields, debMember, jobArtifact, startPipelineApp, uploadSource } from './helpers/pipeline-app.ts';
import { HANG_BACKSTOP_MS, waitFor } from './helpers/wait-for.ts';
import { getJobView, waitForJob } from './helpers/wait-for-job.ts';
import { packFixtureSource, packFixtureVariant, type SourcePackage } from './helpers/source-package.ts';
import { bearer, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
const packages: SourcePackage[] = [];
before(async () => {
  t = await startPipelineApp('rebuild', 2);
});
after(async () => {
  packages.forEach((p) => p.cleanup());
  await t?.close();
});

async function publish(pkg: SourcePackage): Promise<number> {
  packages.push(pkg);
  const id = await uploadSource(t, pkg);
  const job = await waitForJob(t, id, ['published', 'failed'], { stallMs: BUILD_STALL_MS });
  assert.equal(job.state, 'published', JSON.stringify(job.events));
  return id;
}

async function jobsOf(source: string): Promise<{ id: number; state: string; binNmu: number | null; rebuildOf: number | null }[]> {
  return (await t.app.inject({ method: 'GET', url: `/v1/jobs?source=${source}`, headers: bearer(t.submitToken) })).json().items;
}

test('publishing a new version of A queues a +b1 rebuild of B, which links the new A', { timeout: HANG_BACKSTOP_MS }, async () => {
  await publish(packFixtureSource('libstubhello'));
  const b = await publish(packFixtureSource('stubgreeter'));
  const recorded = await t.db.selectFrom('job_build_dependencies').selectAll().where('job_id', '=', b).execute();
  // the essential package seeded from the image is in the repository too, so it is recorded
  const essential = await t.db
    .selectFrom('repo_packages')
    .select('version')
    .where('name', '=', 'stubdom-libc-dev')
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    recorded.map((r) => [r.name, r.version]).sort(),
    [
      ['libstubhello-dev', '0.1'],
      ['stubdom-libc-dev', essential.version],
    ],
    'what B was built against is kept',
  );
  assert.deepEqual(
    (await jobsOf('stubgreeter')).map((j) => j.id),
    [b],
    'no rebuild while nothing newer is published',
  );

  const a2 = await publish(
    packFixtureVariant('libstubhello', { version: '0.2', edits: { 'src/stubhello.c': [['"hello, %s"', '"hello again, %s"']] } }),
  );

  // Dependents are handled once the publication is seen, just after A's job reads published.
  const rebuild = await waitFor(
    'a rebuild of B queued by itself',
    async () => (await jobsOf('stubgreeter')).find((j) => j.rebuildOf === b),
    {
      stallMs: 60_000,
      intervalMs: 250,
    },
  );
  assert.equal(rebuild.binNmu, 1);
  const created = (await getJobView(t, rebuild.id)).events[0]!;
  assert.equal(created.actor, 'scheduler');
  assert.match(
    String(created.reason),
    new RegExp(`binNMU rebuild of job ${b} \\(stubgreeter 1\\.0 \\+b1\\): built against libstubhello-dev 0\\.1 → 0\\.2`),
  );
  assert.ok(a2 < rebuild.id);

  const done = await waitForJob(t, rebuild.id, ['published', 'failed'], { stallMs: BUILD_STALL_MS });
  assert.equal(done.state, 'published', JSON.stringify(done.events));
  const deb = done.artifacts.find((x) => x.kind === 'deb' && x.name.startsWith('stubgreeter_'));
  assert.equal(deb?.name, 'stubgreeter_1.0+b1_stubdom-amd64.deb');
  const debBytes = await jobArtifact(t, rebuild.id, deb.name);
  const control = debFields(debBytes, 'Version', 'Source');
  assert.match(control, /^Version: 1\.0\+b1$/m);
  assert.match(control, /^Source: stubgreeter \(1\.0\)$/m);
  const buildinfo = done.artifacts.find((x) => x.kind === 'buildinfo')!;
  const text = (await jobArtifact(t, rebuild.id, buildinfo.name)).toString('utf8');
  assert.match(text, /^ libstubhello-dev \(= 0\.2\),$/m, "the rebuild's .buildinfo names A's new version");
  assert.match(text, /^Binary-Only-Changes:/m);
  assert.ok(debMember(debBytes, 'usr/lib/stubgreeter/greeter').includes('hello again, %s'), 'it links the new A');

  const index = await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/main/binary-stubdom-amd64/Packages' });
  assert.match(index.body, /^Package: stubgreeter\nSource: stubgreeter \(1\.0\)\nVersion: 1\.0\+b1$/m);

  // A binNMU's own publication rebuilds nothing further (rebuild=direct): B stays at +b1.
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(
    (await jobsOf('stubgreeter')).map((j) => j.binNmu),
    [1, null],
  );
});

// Builds that attack the farm, through the real Docker backend: a source that also builds a
// package it does not own, and builds that delete or swap the files they can reach. The
// impostors are refused as the package's fault, apt still gets the real packages, and no
// hostile build counts against the engine.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createAptClient } from './helpers/apt-client.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { startPipelineApp, uploadSource } from './helpers/pipeline-app.ts';
import { getJobView, waitForJob } from './helpers/wait-for-job.ts';
import { fetchRepoKey } from './helpers/running-service.ts';
import { makeSourcePackage } from './helpers/source-package.ts';
import { bearer, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let url: string;
before(async () => {
  t = await startPipelineApp('trust', 1);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(() => t?.close());

/** The real stubdom-libc-dev the repository was seeded with from the image. */
async function essentialVersion(): Promise<string> {
  const rows = await t.db.selectFrom('repo_packages').select(['version', 'source']).where('name', '=', 'stubdom-libc-dev').execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.source, 'stubdom-base');
  return rows[0]!.version;
}

async function build(pkg: ReturnType<typeof makeSourcePackage>) {
  try {
    return await waitForJob(t, await uploadSource(t, pkg), ['published', 'failed', 'dep-wait'], { stallMs: 600_000 });
  } finally {
    pkg.cleanup();
  }
}

test("an undeclared package named like an essential one, at a higher version, fails the job as the package's fault", async () => {
  const real = await essentialVersion();
  // Source: and version are the job's own, so only the .dsc's Binary: can tell it is not.
  const job = await build(
    makeSourcePackage({
      name: 'libimpostor',
      version: '2:1.0~rc1+ds',
      rules:
        'override_dh_builddeb:\n\tdh_builddeb\n\tmkdir -p debian/evil/DEBIAN\n' +
        "\tprintf 'Package: stubdom-libc-dev\\nSource: libimpostor (2:1.0~rc1+ds)\\nVersion: 99:1\\nArchitecture: stubdom-amd64\\nMaintainer: x <x@example.org>\\nDescription: not the real one\\n' > debian/evil/DEBIAN/control\n" +
        '\tdpkg-deb --build debian/evil ../stubdom-libc-dev_1_stubdom-amd64.deb\n',
    }),
  );
  assert.equal(job.state, 'failed', JSON.stringify(job.events));
  assert.match(String(job.reason), /^ownership: stubdom-libc-dev 99:1: not declared by libimpostor's \.dsc/);
  const detail = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json();
  assert.deepEqual(
    detail.attempts.map((a: { state: string }) => a.state),
    ['failed'],
    'the attempt failed: the package is to blame, not the engine',
  );
  assert.equal(await essentialVersion(), real);
  assert.deepEqual(
    await t.db.selectFrom('repo_packages').select('name').where('source', '=', 'libimpostor').execute(),
    [],
    'nothing of it is published',
  );
});

test('a source declaring a binary another source owns is refused the same way', async () => {
  const job = await build(makeSourcePackage({ name: 'stubdom-libc', version: '99:1' }));
  assert.equal(job.state, 'failed', JSON.stringify(job.events));
  assert.match(String(job.reason), /^ownership: stubdom-libc-dev 99:1: owned by source stubdom-base in the repository/);
});

test('apt still gets the real essential package; Packages does not list an impostor', async () => {
  const real = await essentialVersion();
  const packages = await (await fetch(`${url}/apt/dists/stubdom/main/binary-stubdom-amd64/Packages`)).text();
  assert.doesNotMatch(packages, /^Version: 99:1$/m);
  const work = await makeTempDir('stubbuild-trust-apt-');
  const client = await createAptClient({
    url: `${url}/apt`,
    suite: 'stubdom',
    keyFile: await fetchRepoKey({ aptUrl: `${url}/apt` }, work),
  });
  try {
    assert.equal((await client.aptUpdate()).code, 0);
    const download = await client.aptDownload('stubdom-libc-dev:stubdom-amd64');
    assert.equal(download.code, 0, download.stderr);
    assert.deepEqual(download.files, [`stubdom-libc-dev_${real.replace(':', '%3a')}_stubdom-amd64.deb`]);
  } finally {
    await client.close();
    await removeTempDir(work);
  }
});

// Each deletes or swaps what it can reach of the source that was handed in, or of its results.
const hostile: Record<string, string> = {
  'deletes the pristine source during the build': 'override_dh_auto_build:\n\t-rm -rf /work/src/*\n\tdh_auto_build\n',
  'swaps the pristine source for links to nowhere':
    'override_dh_auto_build:\n\t-for f in /work/src/*; do rm -f "$$f"; ln -s /nonexistent "$$f"; done\n\tdh_auto_build\n',
  'leaves a process behind that swaps the results and the source for links to a directory':
    'override_dh_builddeb:\n\tdh_builddeb\n' +
    '\tsetsid sh -c \'sleep 1; for f in /work/build/*.deb /work/build/*.changes /work/build/*.buildinfo /work/src/*; do rm -f "$$f"; ln -s /etc "$$f"; done\' </dev/null >/dev/null 2>&1 &\n',
};

test("three hostile builds end published or failed as the package's fault; none is infrastructure; the engine stays undrained", async () => {
  const jobs = [];
  for (const [what, rules] of Object.entries(hostile)) {
    const name = `libhostile${jobs.length + 1}`;
    const job = await build(makeSourcePackage({ name, version: '1.0+ds1', rules }));
    jobs.push({ what, job });
  }
  for (const { what, job } of jobs) {
    assert.ok(
      job.state === 'published' || (job.state === 'failed' && !/^infrastructure/.test(String(job.reason))),
      `${what}: ${job.state} ${job.reason}`,
    );
    const view = await getJobView(t, job.id);
    assert.deepEqual(
      view.attempts.map((a) => a.state).filter((s) => s === 'infrastructure'),
      [],
      `${what}: no attempt is infrastructure`,
    );
  }
  const engines = (await t.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(t.adminToken) })).json();
  assert.deepEqual(
    engines.items.map((e: { drained: boolean }) => e.drained),
    [false],
  );
  // The deleting build could not delete: the source it was built from is published whole.
  const source = jobs[0]!.job;
  assert.equal(source.state, 'published', JSON.stringify(source.events));
  const sources = await (await fetch(`${url}/apt/dists/stubdom/main/source/Sources`)).text();
  assert.match(sources, /^Package: libhostile1$/m);
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { DockerBuilder } from '../src/builders/docker-builder.ts';
import type { BuildPipeline } from '../src/scheduler/build-pipeline.ts';
import { ensureBuilderImage } from './builder-image.support.ts';
import { createAptClient } from './helpers/apt-client.ts';
import { fetchRepoKey } from './helpers/running-service.ts';
import { makeSourcePackage, multipartBody, packFixtureSource, type SourcePackage } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitForJob } from './helpers/wait-for-job.ts';

let t: TestApp;
let pipeline: BuildPipeline;
const engineId = `e2e-${process.pid}`;

before(async () => {
  const { profile } = await ensureBuilderImage();
  t = await createTestApp({}, { builds: { profiles: [profile], engines: [new DockerBuilder(engineId, 1, new Docker())], pollMs: 300 } });
  pipeline = t.pipeline!;
  await pipeline.start();
});
after(() => t?.close());

async function upload(pkg: SourcePackage): Promise<number> {
  const body = multipartBody(pkg.files);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(t.submitToken), ...body.headers },
    payload: body.payload,
  });
  assert.equal(res.statusCode, 202, res.body);
  pipeline.dispatcher.wake();
  return res.json().id as number;
}

// A build on a loaded machine may go this long without a state change, an attempt or a log line.
const STALL_MS = 300_000;

test('the essential packages of the image are published into the fresh repository', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/main/binary-stubdom-amd64/Packages' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /^Package: stubdom-libc-dev$/m);
  assert.match(res.body, /^Provides: libc-dev, libc6-dev$/m);
});

test('an uploaded fixture source ends published; its .debs, log and .buildinfo are served', async () => {
  const pkg = packFixtureSource('libstubhello');
  try {
    const id = await upload(pkg);
    const job = await waitForJob(t, id, ['published', 'failed', 'dep-wait'], { stallMs: STALL_MS });
    assert.equal(job.state, 'published', JSON.stringify(job.events));

    const packages = await t.app.inject({ method: 'GET', url: '/apt/dists/stubdom/main/binary-stubdom-amd64/Packages' });
    const stanza = packages.body.split('\n\n').find((s) => /^Package: libstubhello-dev$/m.test(s));
    assert.ok(stanza, 'libstubhello-dev is in the index');
    assert.match(stanza, /^Architecture: stubdom-amd64$/m);
    const filename = /^Filename: (.+)$/m.exec(stanza)![1]!;
    const deb = await t.app.inject({ method: 'GET', url: `/apt/${filename}` });
    assert.equal(deb.statusCode, 200);
    assert.equal(createHash('sha256').update(deb.rawPayload).digest('hex'), /^SHA256: (.+)$/m.exec(stanza)![1]);

    const log = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/log` });
    assert.equal(log.statusCode, 200);
    assert.match(String(log.headers['content-type']), /^text\/plain/);
    assert.match(log.body, /dpkg-buildpackage -a stubdom-amd64/);
    assert.match(log.body, /outcome: built/);

    const artifacts = job.artifacts as { name: string; kind: string; sha256: string }[];
    const buildinfo = artifacts.find((a) => a.kind === 'buildinfo');
    assert.ok(buildinfo, 'the job lists its .buildinfo');
    const file = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts/${buildinfo.name}` });
    assert.equal(file.statusCode, 200);
    assert.match(file.body, /^Format: /m);
    assert.match(file.body, /^Architecture: stubdom-amd64$/m);
    assert.equal(createHash('sha256').update(file.rawPayload).digest('hex'), buildinfo.sha256);
    assert.ok(artifacts.some((a) => a.kind === 'deb' && a.name.startsWith('libstubhello-dev_')));
    assert.ok(
      artifacts.some((a) => a.kind === 'source' && a.name.endsWith('.dsc')),
      'the source built is kept',
    );
    assert.ok((job.provenance as { imageId: string }).imageId.startsWith('sha256:'), 'provenance names the image');
  } finally {
    pkg.cleanup();
  }
});

test("a failing build's log is readable afterwards, with the compiler's error", async () => {
  const pkg = makeSourcePackage({
    name: 'libstubbroken',
    rules:
      "override_dh_auto_build:\n\tprintf 'int broken(void) { return no_such_symbol_here; }\\n' > broken.c\n\t$$(dpkg-architecture -qDEB_HOST_GNU_TYPE)-gcc -c broken.c\n",
  });
  try {
    const id = await upload(pkg);
    const job = await waitForJob(t, id, ['published', 'failed', 'dep-wait'], { stallMs: STALL_MS });
    assert.equal(job.state, 'failed');
    // What a buildd's fail log says: the class and the compiler's first error line.
    assert.equal(job.causeClass, 'compile');
    assert.match(
      String(job.reason),
      /^compile: broken\.c:1:\d+: error: ['‘]no_such_symbol_here['’] undeclared/,
      'quotes follow the container locale',
    );
    const log = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/log?attempt=1` });
    assert.equal(log.statusCode, 200);
    assert.match(log.body, /no_such_symbol_here/);
    assert.match(log.body, /error:/);
  } finally {
    pkg.cleanup();
  }
});

test('a drained engine starts no new attempt; resume brings it back', async () => {
  const drained = await t.app.inject({
    method: 'POST',
    url: `/v1/admin/engines/${engineId}/drain`,
    headers: bearer(t.adminToken),
    payload: { reason: 'maintenance' },
  });
  assert.equal(drained.statusCode, 200, drained.body);
  assert.equal(drained.json().drained, true);
  const pkg = makeSourcePackage({ name: 'libstubdrain' });
  try {
    const id = await upload(pkg);
    await new Promise((r) => setTimeout(r, 3000)); // ten polls of the dispatcher
    const waiting = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    assert.equal(waiting.state, 'queued');
    assert.deepEqual(waiting.attempts, []);
    const engines = (await t.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(t.adminToken) })).json();
    assert.deepEqual(
      engines.items.map((e: { id: string; drained: boolean; drainReason: string }) => [e.id, e.drained, e.drainReason]),
      [[engineId, true, 'maintenance']],
    );

    const resumed = await t.app.inject({ method: 'POST', url: `/v1/admin/engines/${engineId}/resume`, headers: bearer(t.adminToken) });
    assert.equal(resumed.statusCode, 200);
    assert.equal(resumed.json().drained, false);
    pipeline.dispatcher.wake();
    const done = await waitForJob(t, id, ['published', 'failed', 'dep-wait'], { stallMs: STALL_MS });
    assert.equal(done.state, 'published', JSON.stringify(done.events));
  } finally {
    pkg.cleanup();
  }
});

test("Debian's zlib with its port, built through the service: a real apt client downloads zlib1g-dev +stubdom1 and apt-get source fetches the ported source through /apt/", async () => {
  const zlibDir = await mkdtemp(join(tmpdir(), 'stubbuild-zlib-'));
  const work = await mkdtemp(join(tmpdir(), 'stubbuild-zlib-apt-'));
  try {
    const download = spawnSync(
      'docker',
      [
        'run',
        '--rm',
        '-v',
        `${zlibDir}:/src`,
        '--entrypoint',
        'sh',
        (await ensureBuilderImage()).tag,
        '-c',
        'set -e; apt-get update -qq; chown _apt /src; cd /src; apt-get source --download-only -qq zlib=1:1.2.13.dfsg-1',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(download.status, 0, download.stderr);
    const files = await Promise.all((await readdir(zlibDir)).map(async (name) => ({ name, content: await readFile(join(zlibDir, name)) })));
    const dsc = files.find((f) => f.name.endsWith('.dsc'))!;
    const id = await upload({ dir: zlibDir, dscName: dsc.name, files, cleanup: () => undefined });
    const job = await waitForJob(t, id, ['published', 'failed', 'dep-wait'], { stallMs: STALL_MS });
    assert.equal(job.state, 'published', JSON.stringify(job.events));

    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const aptUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/apt`;
    const client = await createAptClient({
      url: aptUrl,
      suite: 'stubdom',
      keyFile: await fetchRepoKey({ aptUrl }, work),
      withSources: true,
    });
    try {
      const update = await client.aptUpdate();
      assert.equal(update.code, 0, update.stdout + update.stderr);
      const deb = await client.aptDownload('zlib1g-dev:stubdom-amd64');
      assert.equal(deb.code, 0, deb.stdout + deb.stderr);
      assert.deepEqual(deb.files, ['zlib1g-dev_1%3a1.2.13.dfsg-1+stubdom1_stubdom-amd64.deb']);
      const source = await client.aptSource('zlib');
      assert.equal(source.code, 0, source.stdout + source.stderr);
      assert.ok(source.files.includes('zlib_1.2.13.dfsg-1+stubdom1.dsc'), source.files.join(' '));
      assert.ok(
        source.files.some((f) => f.startsWith('zlib_1.2.13.dfsg.orig.tar')),
        source.files.join(' '),
      );
    } finally {
      await client.close();
    }
  } finally {
    await rm(zlibDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
});

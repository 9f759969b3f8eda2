// The engine keeps what dependency steps download from the Debian mirror in a volume of its own:
// the second build of a source downloads nothing (real Docker, the real mirror, Debian's zlib).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { CACHE_LABEL, DockerBuilder, ENGINE_LABEL } from '../src/builders/docker-builder.ts';
import { DOCKER_CALL_TIMEOUT_MS } from '../src/builders/docker-deadline.ts';
import { ensureBuilderImage } from './builder-image.support.ts';
import { fetchDebianSource, ZLIB, type DebianSource } from './helpers/debian-source.ts';
import { makeSourcePackage } from './helpers/source-package.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';
import { uploadSource } from './helpers/pipeline-app.ts';
import { waitForJob } from './helpers/wait-for-job.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

const docker = new Docker();
// Capacity 2: two dependency steps may use the cache at once.
const engineId = `apt-cache-${process.pid}`;
// A volume of this test's own, so the first build starts from an empty cache.
const cacheVolume = `stubbuild-apt-cache-test-${process.pid}`;
// A zlib build on a loaded machine may go this long without a state change or a log line.
const STALL_MS = 300_000;
let t: TestApp;
let zlib: DebianSource;

before(async () => {
  const { profile } = await ensureBuilderImage();
  zlib = await fetchDebianSource(ZLIB.source, ZLIB.version);
  const engine = new DockerBuilder(engineId, 2, docker, DOCKER_CALL_TIMEOUT_MS, undefined, cacheVolume);
  // A dependency step that met a network fault is tried again after seconds, not a minute.
  t = await createTestApp({ SCHEDULER_BACKOFF: '2s' }, { builds: { profiles: [profile], engines: [engine], pollMs: 300 } });
  await t.pipeline!.start();
});
after(async () => {
  await t?.close();
  await docker
    .getVolume(cacheVolume)
    .remove()
    .catch(() => undefined);
});

/** Uploads `files`, waits until the job is published; what its dependency step says it downloaded. */
async function build(
  files: readonly { name: string; content: Buffer }[],
): Promise<{ indexFiles: number; packages: number; fromCache: number }> {
  const id = await uploadSource(t, { files });
  const job = await waitForJob(t, id, ['published', 'failed', 'dep-wait'], { stallMs: STALL_MS });
  const log = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/log` })).body;
  assert.equal(job.state, 'published', `${JSON.stringify(job.events)}\n${log.slice(-3000)}`);
  const said =
    /downloaded from the mirror: \d+ release files, (\d+) index files, (\d+) packages; from the download cache: (\d+) packages/.exec(log);
  assert.ok(said, `the dependency step says what it downloaded:\n${log.slice(0, 3000)}`);
  return { indexFiles: Number(said[1]), packages: Number(said[2]), fromCache: Number(said[3]) };
}

// Release files (InRelease) are fetched by every build unless the mirror answers 304: they
// are how apt learns that the cached index files are still current.
test(
  'the second build of zlib downloads no index files or packages: the first left them in the cache volume',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const first = await build(zlib.files);
    assert.ok(first.indexFiles > 0, 'the first build, on an empty cache, downloads the index files');

    const second = await build(zlib.files);
    assert.equal(second.indexFiles, 0, 'the second build takes the index files from the cache');
    assert.equal(second.packages, 0);

    const volume = await docker.getVolume(cacheVolume).inspect();
    assert.equal(volume.Labels?.[CACHE_LABEL], 'apt');
    assert.equal(volume.Labels?.[ENGINE_LABEL], engineId);
  },
);

// zlib's build-dependencies are all in the image or the stubdom repository; bc is in neither.
test(
  'the second build of a source that needs packages from the mirror takes them from the cache',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const pkg = makeSourcePackage({ name: 'libstubcache', buildDepends: 'debhelper-compat (= 13), bc' });
    try {
      const first = await build(pkg.files);
      assert.ok(first.packages > 0, 'the first build downloads bc');
      assert.equal(first.fromCache, 0);

      const second = await build(pkg.files);
      assert.equal(second.packages, 0, 'the second build downloads no package');
      assert.equal(second.fromCache, first.packages, 'it takes every package the first one downloaded from the cache');
    } finally {
      pkg.cleanup();
    }
  },
);

// Both fetch pv (the build machine's: :native) at once, neither finding it in the cache; each
// copies it in under the cache's lock, and what the cache holds afterwards is whole: a third
// build takes it from there.
test('two dependency steps at once share the cache, and a build after them downloads nothing', { timeout: HANG_BACKSTOP_MS }, async () => {
  const pkgs = ['libstubcachea', 'libstubcacheb', 'libstubcachec'].map((name) =>
    makeSourcePackage({ name, buildDepends: 'debhelper-compat (= 13), pv:native' }),
  );
  try {
    const together = await Promise.all(pkgs.slice(0, 2).map((pkg) => build(pkg.files)));
    for (const run of together) assert.equal(run.packages + run.fromCache, 1, 'pv, from the mirror or the cache');

    const after = await build(pkgs[2]!.files);
    assert.deepEqual({ packages: after.packages, fromCache: after.fromCache }, { packages: 0, fromCache: 1 });
  } finally {
    for (const pkg of pkgs) pkg.cleanup();
  }
});

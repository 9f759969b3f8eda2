// Builds on a remote engine: a second dockerd on 127.0.0.1 with TLS (a bridge of its own with
// NAT for the dependency step) is the service's only engine; `stubbuild image push` delivers the
// builder image to it, then the fixture library and a source that build-depends on it are built
// there and published. No container of an attempt has a bind mount. The engine is stopped and
// its data removed at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { INSTALLATION_LABEL } from '../src/builders/docker-builder.ts';
import { createDockerBuilders } from '../src/builders/engine-config.ts';
import { ensureBuilderImage, repoRoot, run } from './builder-image.support.ts';
import { archesDirFor } from './helpers/stubdom-arches.ts';
import { multipartBody, packFixtureSource } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { startTlsDockerd, type TlsDockerd } from './helpers/tls-dockerd.ts';
import { waitForJob } from './helpers/wait-for-job.ts';

let engine: TlsDockerd | undefined;
let t: TestApp | undefined;
let watching = true;
let watcher: Promise<void> | undefined;
let archesDir: string | undefined;
const seen = new Map<string, { name: string; mounts: { Type: string; Destination: string }[] }>();

before(async () => {
  engine = await startTlsDockerd({ nat: true });
});
after(async () => {
  watching = false;
  await watcher;
  await t?.close();
  await engine?.stop();
  if (archesDir) fs.rmSync(archesDir, { recursive: true, force: true });
});

/** Every container that appears on the engine, with its mounts, until the test ends. */
function watchContainers(docker: Docker): Promise<void> {
  return (async () => {
    while (watching) {
      for (const info of await docker.listContainers({ all: true }).catch(() => [])) {
        if (seen.has(info.Id) || !info.Labels[INSTALLATION_LABEL]) continue;
        const inspected = await docker
          .getContainer(info.Id)
          .inspect()
          .catch(() => undefined);
        if (inspected) seen.set(info.Id, { name: inspected.Name, mounts: inspected.Mounts });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
}

test('the builder image is pushed to the TLS engine, and two dependent sources are built and published there', async () => {
  const { profile, id: imageId } = await ensureBuilderImage();
  const { host, client } = engine!;
  archesDir = await archesDirFor(profile);
  const pushed = await run(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), 'image', 'push', '--engine', 'remote'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: '',
      ARCHES_DIR: archesDir,
      BUILDER_ENGINES: JSON.stringify([
        { id: 'here', host: 'unix:///var/run/docker.sock' },
        { id: 'remote', host, tls: client },
      ]),
    },
  });
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout, new RegExp(`from here to remote: id ${imageId.replace(/^sha256:/, '').slice(0, 12)}`));

  const builders = createDockerBuilders([{ id: 'remote', host, capacity: 1, tls: client }]);
  watcher = watchContainers(builders[0]!.docker);
  const app = await createTestApp({}, { builds: { profiles: [profile], engines: builders, pollMs: 300 } });
  t = app;
  await app.pipeline!.start();

  for (const name of ['libstubhello', 'stubgreeter']) {
    const pkg = packFixtureSource(name);
    try {
      const body = multipartBody(pkg.files);
      const res = await app.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...bearer(app.submitToken), ...body.headers },
        payload: body.payload,
      });
      assert.equal(res.statusCode, 202, res.body);
      const job = await waitForJob(app, res.json().id as number, ['published', 'failed', 'dep-wait'], { stallMs: 300_000 });
      assert.equal(job.state, 'published', JSON.stringify(job.events));
    } finally {
      fs.rmSync(pkg.dir, { recursive: true, force: true });
    }
  }
  const attempts = await app.db.selectFrom('attempts').select('engine_id').execute();
  assert.ok(attempts.length >= 2);
  for (const a of attempts) assert.equal(a.engine_id, 'remote');

  const steps = [...seen.values()].filter((c) => /-(deps|build)$/.test(c.name));
  assert.ok(steps.length >= 4, `the deps and build containers of both jobs were seen: ${[...seen.values()].map((c) => c.name).join(', ')}`);
  for (const c of seen.values()) {
    assert.deepEqual(
      c.mounts.filter((m) => m.Type === 'bind'),
      [],
      `${c.name} has no bind mount`,
    );
  }
});

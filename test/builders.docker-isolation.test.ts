import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import type { AttemptLimits, AttemptOutcome } from '../src/builders/builder.ts';
import { ATTEMPT_LABEL, DockerBuilder, ENGINE_LABEL } from '../src/builders/docker-builder.ts';
import { ensureBuilderImage } from './builder-image.support.ts';
import { makeSourcePackage } from './helpers/source-package.ts';
import { waitFor } from './helpers/wait-for.ts';

const docker = new Docker();
// An engine id of this run's own, so other runs on the same Docker engine do not count here.
const engineId = `isolation-test-${process.pid}`;
const builder = new DockerBuilder(engineId, 1, docker);
let image: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-isolation-'));
let jobId = 9000;

before(async () => {
  image = (await ensureBuilderImage()).tag;
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const limits: AttemptLimits = {
  memoryMiB: 1024,
  cpus: 1,
  pids: 256,
  dependenciesSeconds: 600,
  buildSeconds: 600,
  noOutputSeconds: 300,
  maxLogBytes: 8 * 1024 * 1024,
  maxArtifactBytes: 64 * 1024 * 1024,
};

/** One attempt of a probe package whose build runs `recipe`, through the Docker backend. */
async function attempt(
  recipe: string,
  overrides: Partial<AttemptLimits> = {},
  during?: (log: () => string) => Promise<void>,
): Promise<{ outcome: AttemptOutcome; log: string }> {
  jobId += 1;
  const pkg = makeSourcePackage({ name: 'isolation-probe', rules: `override_dh_auto_build:\n${recipe}\n` });
  let log = '';
  try {
    const running = builder.runAttempt({
      jobId,
      attempt: 1,
      installation: `isolation-test-${process.pid}`,
      image,
      source: pkg.files.map((f) => ({ name: f.name, path: path.join(pkg.dir, f.name) })),
      repository: null,
      artifactDir: path.join(scratch, String(jobId)),
      limits: { ...limits, ...overrides },
      onLog: (chunk) => {
        if (process.env.PROBE_TRACE) process.stderr.write(`[${new Date().toISOString()}] ${chunk.toString('utf8')}`);
        log += chunk.toString('utf8');
      },
    });
    if (during) await during(() => log);
    const outcome = await running;
    return { outcome, log };
  } finally {
    pkg.cleanup();
  }
}

async function assertNoLabelledLeftovers(): Promise<void> {
  const filters = { label: [ATTEMPT_LABEL, `${ENGINE_LABEL}=${engineId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const { Volumes } = await docker.listVolumes({ filters });
  assert.deepEqual(
    containers.map((c) => c.Names),
    [],
    'no labelled container is left',
  );
  assert.deepEqual(
    (Volumes ?? []).map((v) => v.Name),
    [],
    'no labelled volume is left',
  );
}

test('the build step has no network and runs as the unprivileged build user', async () => {
  const { outcome, log } = await attempt(
    "\t@if timeout 10 bash -c 'exec 3<>/dev/tcp/deb.debian.org/80' 2>/dev/null; then echo PROBE-NETWORK-REACHABLE; else echo PROBE-NETWORK-UNREACHABLE; fi\n" +
      '\t@echo PROBE-UID-$$(id -u)-$$(id -un)',
  );
  assert.equal(outcome.kind, 'built', log.slice(-3000));
  assert.match(log, /PROBE-NETWORK-UNREACHABLE/);
  assert.doesNotMatch(log, /PROBE-NETWORK-REACHABLE/);
  const uid = /PROBE-UID-(\d+)-(\S+)/.exec(log);
  assert.ok(uid, 'the probe printed its uid');
  assert.notEqual(uid[1], '0', `the build runs as ${uid[2]}, not root`);
  await assertNoLabelledLeftovers();
});

test('both steps run with only the capabilities they need, and nothing of the host mounted', async () => {
  const inspected: { name: string; capDrop: string[]; capAdd: string[]; binds: string[]; mountTypes: string[] }[] = [];
  const { outcome, log } = await attempt('\tgrep CapBnd /proc/1/status\n\tsleep 3\n\tdh_auto_build', {}, async (read) => {
    await waitFor('the probe to print its capabilities', () => read().includes('CapBnd'), {
      progress: () => read().length,
      stallMs: 300_000,
      intervalMs: 100,
    });
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${ATTEMPT_LABEL}=${jobId}.1`] } })) {
      const info = await docker.getContainer(c.Id).inspect();
      inspected.push({
        name: info.Name,
        capDrop: info.HostConfig.CapDrop ?? [],
        capAdd: info.HostConfig.CapAdd ?? [],
        binds: info.HostConfig.Binds ?? [],
        mountTypes: info.Mounts.map((m) => m.Type),
      });
    }
  });
  assert.equal(outcome.kind, 'built', log);
  assert.deepEqual(inspected.map((i) => i.name.replace(/.*-/, '')).sort(), ['build', 'deps'], 'the dependency step and the build');
  for (const i of inspected) {
    assert.deepEqual(i.capDrop, ['ALL'], i.name);
    assert.deepEqual([...i.capAdd].sort(), ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETGID', 'SETUID'], i.name);
    // the source and the repository are handed in through the engine's API, never mounted
    assert.deepEqual(i.binds, [], i.name);
    assert.deepEqual([...new Set(i.mountTypes)], ['volume'], i.name);
  }
  // CHOWN DAC_OVERRIDE FOWNER FSETID SETGID SETUID: bits 0 1 3 4 6 7.
  assert.match(log, /^CapBnd:\s+00000000000000db$/m, 'the bounding set inside the build container');
});

test('exceeding the memory limit ends the attempt with that reason', async () => {
  // tail keeps a line that never ends in memory: 2 GiB of zeros against a 384 MiB limit.
  const { outcome, log } = await attempt('\thead -c 2048m /dev/zero | tail -n 1 > /dev/null', { memoryMiB: 384 });
  assert.equal(outcome.kind, 'failed', log.slice(-2000));
  assert.equal(outcome.kind === 'failed' && outcome.reason, 'memory-limit');
  await assertNoLabelledLeftovers();
});

test('exceeding the pids limit ends the attempt with that reason', async () => {
  const { outcome, log } = await attempt(
    // dash gives up at the first failed fork (bash would retry for minutes)
    "\tsh -c 'i=0; while [ $$i -lt 300 ]; do sleep 120 >/dev/null 2>&1 & i=$$((i+1)); done; wait'",
    { pids: 96 },
  );
  assert.equal(outcome.kind, 'failed', log.slice(-2000));
  assert.equal(outcome.kind === 'failed' && outcome.reason, 'pids-limit');
  await assertNoLabelledLeftovers();
});

test('running over the build time ends the attempt as a timeout', async () => {
  const { outcome, log } = await attempt('\techo PROBE-SLEEPING\n\tsleep 600', { buildSeconds: 5 });
  assert.equal(outcome.kind, 'failed', log.slice(-2000));
  assert.equal(outcome.kind === 'failed' && outcome.reason, 'timeout');
  await assertNoLabelledLeftovers();
});

test('a build that falls silent is ended for its silence', async () => {
  const { outcome, log } = await attempt('\techo PROBE-SLEEPING\n\tsleep 600', { noOutputSeconds: 8 });
  assert.equal(outcome.kind, 'failed', log.slice(-2000));
  assert.equal(outcome.kind === 'failed' && outcome.reason, 'no-output');
  await assertNoLabelledLeftovers();
});

test('a container killed from outside mid-build is an infrastructure fault, not a hang', async () => {
  const { outcome } = await attempt('\techo PROBE-SLEEPING\n\tsleep 600', {}, async (log) => {
    await waitFor('the probe to start sleeping', () => log().includes('PROBE-SLEEPING'), {
      progress: () => log().length,
      stallMs: 300_000,
      intervalMs: 200,
    });
    const [victim] = await docker.listContainers({
      filters: { label: [`${ENGINE_LABEL}=${engineId}`], status: ['running'] },
    });
    assert.ok(victim, 'the build container runs');
    await docker.getContainer(victim.Id).kill();
  });
  assert.equal(outcome.kind, 'infrastructure');
  await assertNoLabelledLeftovers();
});

test('a source file gone from the store is an infrastructure fault naming it, and the service lives on', async () => {
  jobId += 1;
  const pkg = makeSourcePackage({ name: 'isolation-probe', rules: 'override_dh_auto_build:\n\ttrue\n' });
  try {
    const outcome = await builder.runAttempt({
      jobId,
      attempt: 1,
      installation: `isolation-test-${process.pid}`,
      image,
      // the last file of the source is not there: removed under the service (before this
      // change, the tar packer's unheard error ended the whole process)
      source: [
        ...pkg.files.map((f) => ({ name: f.name, path: path.join(pkg.dir, f.name) })),
        { name: 'gone_1.0.orig.tar.gz', path: path.join(scratch, 'no-such-file') },
      ],
      repository: null,
      artifactDir: path.join(scratch, String(jobId)),
      limits,
      onLog: () => undefined,
    });
    assert.equal(outcome.kind, 'infrastructure');
    assert.match(outcome.kind === 'infrastructure' ? outcome.message : '', /cannot hand gone_1\.0\.orig\.tar\.gz to the container: ENOENT/);
  } finally {
    pkg.cleanup();
  }
  await assertNoLabelledLeftovers();
});

test("a build that does not compile fails with the compiler's error in its log", async () => {
  const { outcome, log } = await attempt(
    "\tprintf 'int broken(void) { return undeclared_probe_symbol; }\\n' > broken.c\n\t$$(dpkg-architecture -qDEB_HOST_GNU_TYPE)-gcc -c broken.c",
  );
  assert.equal(outcome.kind, 'failed');
  assert.equal(outcome.kind === 'failed' && outcome.reason, 'build-error');
  assert.match(log, /undeclared_probe_symbol/);
  assert.match(log, /error/);
  await assertNoLabelledLeftovers();
});

// The client half of the `stubbuild` binary against a running service building for real
// (quick builds on Docker), run as a child process whose output is not a terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { loadArchProfiles } from '../src/builders/arch-profile.ts';
import { DockerBuilder } from '../src/builders/docker-builder.ts';
import { repoRoot } from './builder-image.support.ts';
import { ensureQuickImage, type QuickOptions, quickSource } from './helpers/quick-builds.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let app: TestApp;
let url: string;
let archesDir: string;
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-cli-fixtures-'));

before(async () => {
  archesDir = (await ensureQuickImage(0.2)).archesDir;
  const profile = (await loadArchProfiles(archesDir)).get('stubdom-amd64')!;
  app = await createTestApp(
    {},
    { builds: { profiles: [profile], engines: [new DockerBuilder(`cli-${process.pid}`, 2, new Docker())], pollMs: 300 } },
  );
  await app.pipeline!.start();
  await app.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
});

after(async () => {
  await app.close();
  fs.rmSync(fixtures, { recursive: true, force: true });
  fs.rmSync(archesDir, { recursive: true, force: true });
});

/** A fixture source package on disk; the path of its .dsc. */
function fixture(name: string, options: QuickOptions = {}): string {
  const dir = path.join(fixtures, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of quickSource(name, options)) fs.writeFileSync(path.join(dir, file.name), file.content);
  return path.join(dir, `${name}_1.0.dsc`);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `stubbuild …` with pipes (not a terminal) and the service in STUBBUILD_URL. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, STUBBUILD_URL: url, STUBBUILD_TOKEN: app.submitToken, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const plainLines = (run: Run) => {
  for (const text of [run.stdout, run.stderr]) {
    // eslint-disable-next-line no-control-regex -- the escape character is what must not appear
    assert.doesNotMatch(text, /\r|\x1b/, 'no carriage returns or terminal escapes when not on a terminal');
  }
};

test('submit fixture.dsc --wait exits 0 and lists the published packages, in plain lines; run again, it builds nothing new', async () => {
  const dsc = fixture('cliok');
  const run = await cli(['submit', dsc, '--wait']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  plainLines(run);
  assert.match(run.stdout, /^published: job (\d+) cliok 1\.0\n {2}cliok_1\.0_stubdom-amd64\.deb\n$/);
  // One line per state change seen, each with the elapsed time.
  assert.match(run.stderr, /^job \d+ cliok 1\.0: building on engine cli-\d+ \(attempt 1\) \(\d+s\)$/m);
  assert.match(run.stderr, /^job \d+ cliok 1\.0: published \(\d+s\)$/m);

  const again = await cli(['submit', dsc, '--wait']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, run.stdout, 'the same job, published once');
  const jobs = await app.db.selectFrom('jobs').select('id').where('source', '=', 'cliok').execute();
  assert.equal(jobs.length, 1);
});

test('submit --wait of a source that fails to build exits 1 and prints the reason and the tail of the log', async () => {
  const run = await cli(['submit', fixture('clifail', { fail: true }), '--wait']);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  plainLines(run);
  assert.match(run.stdout, /^failed: job \d+ clifail 1\.0: compile: quick\.c:1:1: error: clifail is meant to fail$/m);
  assert.match(run.stdout, /^last lines of the log \(attempt 1\):$/m);
  assert.match(run.stdout, /^quick\.c:1:1: error: clifail is meant to fail$/m);
});

test('submit --follow streams the build log and exits 0 once published', async () => {
  const run = await cli(['submit', fixture('clifollow', { seconds: 3 }), '--follow']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  plainLines(run);
  assert.match(
    run.stdout,
    /quick-build: clifollow second 1 of 3\nquick-build: clifollow second 2 of 3\nquick-build: clifollow second 3 of 3\n/,
  );
  assert.match(run.stdout, /^published: job \d+ clifollow 1\.0$/m);
});

test('batch --wait submits several .dsc files at once and exits 0 once every member is published', async () => {
  const run = await cli(['batch', fixture('clibatcha'), fixture('clibatchb'), '--wait']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  plainLines(run);
  assert.match(run.stdout, /^published: all 2 members of batch \d+$/m);
  assert.match(run.stderr, /^job \d+ clibatcha: published \(\d+s\)$/m);
  assert.match(run.stderr, /^job \d+ clibatchb: published \(\d+s\)$/m);
});

test('a wait that runs out exits 3; cancel and requeue through the client; jobs, show and logs read', async () => {
  const waited = await cli(['submit', fixture('clislow', { seconds: 600 }), '--wait', '--timeout', '2s']);
  assert.equal(waited.code, 3, waited.stdout + waited.stderr);
  assert.match(waited.stderr, /gave up waiting after \d+s: job (\d+) is still (queued|building)/);
  const id = /job (\d+) is still/.exec(waited.stderr)![1]!;

  const cancelled = await cli(['cancel', id, '--reason', 'too slow']);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout, `job ${id} clislow: cancelled\n`);
  const notAdmin = await cli(['requeue', id]);
  assert.equal(notAdmin.code, 2);
  assert.match(notAdmin.stderr, /^stubbuild: POST \/v1\/admin\/jobs\/\d+\/requeue: HTTP 403 forbidden: /);
  const requeued = await cli(['requeue', id, '--json'], { STUBBUILD_TOKEN: app.adminToken });
  assert.equal(requeued.code, 0, requeued.stderr);
  const requeue = JSON.parse(requeued.stdout).events.find((e: { from: string }) => e.from === 'cancelled');
  assert.equal(requeue.to, 'queued');
  assert.equal(requeue.reason, `requeued by token ${requeue.actor.slice('token:'.length)}`);
  assert.equal((await cli(['cancel', id])).code, 0);

  const listed = await cli(['jobs', '--state', 'cancelled', '--json']);
  assert.equal(listed.code, 0);
  assert.deepEqual(
    JSON.parse(listed.stdout).items.map((j: { id: number }) => j.id),
    [Number(id)],
  );
  const table = await cli(['jobs', '--source', 'clislow']);
  assert.match(table.stdout, new RegExp(`^ *${id}  cancelled +clislow 1\\.0  `));
  const shown = await cli(['show', id]);
  assert.match(shown.stdout, /^state: cancelled — cancelled by token [0-9a-f-]+$/m);
  assert.match(shown.stdout, /building -> cancelled {2}by token:/);
  const log = await cli(['logs', id]);
  assert.equal(log.code, 0);
  assert.match(log.stdout, /^stubbuild: job \d+ attempt \d+ for stubdom-amd64 on engine/);
});

test('usage, configuration and HTTP errors exit 2', async () => {
  const unknown = await cli(['jobs', '--nonsense']);
  assert.equal(unknown.code, 2);
  const noUrl = await cli(['jobs'], { STUBBUILD_URL: '' });
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /set STUBBUILD_URL or pass --url/);
  const noToken = await cli(['submit', 'zlib'], { STUBBUILD_TOKEN: '' });
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /^stubbuild: POST \/v1\/jobs: HTTP 401 unauthenticated: this request needs a bearer token$/m);
  const missing = await cli(['submit', path.join(fixtures, 'nothing_1.0.dsc')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  const notFound = await cli(['show', '999999']);
  assert.equal(notFound.code, 2);
  assert.match(notFound.stderr, /HTTP 404 not-found: job 999999 does not exist/);
});

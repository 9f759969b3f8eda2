// `stubbuild repo add DIR…` against a running service, as a child process whose output is not
// a terminal: a directory of .debs published in one request, refusals as exit code 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from './builder-image.support.ts';
import { type RunningService, startService } from './helpers/running-service.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';

let service: RunningService;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-repo-add-'));

before(async () => {
  service = await startService({ MAX_UPLOAD_FILES: '200' });
});

after(async () => {
  await service.close();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], token = service.adminToken): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, STUBBUILD_URL: service.url, STUBBUILD_TOKEN: token },
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

async function debDir(name: string, count: number): Promise<string> {
  const dir = path.join(work, name);
  for (let i = 0; i < count; i++) await writeSyntheticDeb(dir, { name: `${name}${String(i).padStart(3, '0')}`, version: '1.0-1' });
  return dir;
}

test('repo add DIR publishes every .deb of the directory in one request, in plain lines', async () => {
  const dir = await debDir('libcliadd', 60);
  fs.writeFileSync(path.join(dir, 'README'), 'not a package: not sent\n');
  const run = await cli(['repo', 'add', dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^published: 60 packages \(60 added\)$/m);
  assert.match(run.stderr, /^sending 60 \.debs \(/m);
  // eslint-disable-next-line no-control-regex -- the escape character is what must not appear
  assert.doesNotMatch(run.stderr, /\r|\x1b/, 'no carriage returns or terminal escapes when not on a terminal');
  const apt = await fetch(`${service.aptUrl}/dists/stubdom/main/binary-stubdom-amd64/Packages`);
  const listed = (await apt.text()).match(/^Package: libcliadd/gm) ?? [];
  assert.equal(listed.length, 60);
});

test('repo add --json prints the answer; the same directory again is already-present', async () => {
  const dir = await debDir('libclijson', 3);
  assert.equal((await cli(['repo', 'add', dir])).code, 0);
  const run = await cli(['repo', 'add', '--json', dir, path.join(dir, 'libclijson000_1.0-1_stubdom-amd64.deb')]);
  assert.equal(run.code, 0, run.stderr);
  const answer = JSON.parse(run.stdout) as { packages: { outcome: string }[] };
  assert.equal(answer.packages.length, 4);
  assert.ok(answer.packages.every((p) => p.outcome === 'already-present'));
});

test('a refused package, a token that may not add, an empty directory: exit code 2 and why', async () => {
  const dir = await debDir('libclibad', 2);
  fs.writeFileSync(path.join(dir, 'zz-broken.deb'), 'not a package');
  const refused = await cli(['repo', 'add', dir]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /HTTP 422 not-ar: package 3 of 3: not a Debian package/);

  const forbidden = await cli(['repo', 'add', await debDir('libclisubmit', 1)], service.submitToken);
  assert.equal(forbidden.code, 2);
  assert.match(forbidden.stderr, /HTTP 403/);

  const empty = path.join(work, 'empty');
  fs.mkdirSync(empty);
  const none = await cli(['repo', 'add', empty]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no \.deb in/);
});

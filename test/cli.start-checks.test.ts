// `stubbuild serve` finds what is wrong before it writes anything, and says it in one line;
// what it keeps in DATA_DIR is its own user's alone.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './helpers/free-port.ts';
import { waitFor } from './helpers/wait-for.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-start-'));
let server: ChildProcess | undefined;
after(() => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

let dirs = 0;
/** A fresh, empty DATA_DIR. */
function freshDataDir(): string {
  const dir = path.join(scratch, `data-${(dirs += 1)}`);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** `stubbuild serve` that must refuse to start: its exit code and what it printed. */
async function refusedStart(env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  const result = await run(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'info', ...env },
    cwd: root,
    timeout: 60_000,
  }).then(
    () => assert.fail('serve must refuse to start'),
    (error: { code: number; stderr: string; stdout: string }) => error,
  );
  return result;
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, `one line, got:\n${stderr}`);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('REPO_DIR=$DATA_DIR and REPO_DIR=$DATA_DIR/keys each stop the start with one line, writing nothing', async () => {
  for (const [repo, pattern] of [
    ['', /REPO_DIR .* is DATA_DIR/],
    ['keys', /REPO_DIR .*keys is the signing key's folder/],
    ['..', /REPO_DIR .* contains DATA_DIR/],
  ] as const) {
    const dataDir = freshDataDir();
    const refused = await refusedStart({ DATA_DIR: dataDir, REPO_DIR: path.join(dataDir, repo) });
    assert.equal(refused.code, 2);
    assertOneLine(refused.stderr, pattern);
    assert.deepEqual(fs.readdirSync(dataDir), [], `nothing written for REPO_DIR=DATA_DIR/${repo}`);
  }
});

test('a wrong DATABASE_URL is one line naming it without its password, before anything is written', async () => {
  const dataDir = freshDataDir();
  const port = await freePort();
  const refused = await refusedStart({ DATA_DIR: dataDir, DATABASE_URL: `postgres://stubbuild:s3cret-pw@127.0.0.1:${port}/stubbuild` });
  assert.equal(refused.code, 2);
  assertOneLine(
    refused.stderr,
    new RegExp(`cannot use the database at DATABASE_URL postgres://stubbuild@127\\.0\\.0\\.1:${port}/stubbuild: .*ECONNREFUSED`),
  );
  assert.doesNotMatch(refused.stderr + refused.stdout, /s3cret-pw/);
  assert.deepEqual(fs.readdirSync(dataDir), []);
});

test('an unwritable REPO_DIR is one line, before migrations or the admin token', async () => {
  const dataDir = freshDataDir();
  const blocker = path.join(scratch, `not-a-dir-${dirs}`);
  fs.writeFileSync(blocker, 'a file where REPO_DIR should be');
  const refused = await refusedStart({ DATA_DIR: dataDir, REPO_DIR: path.join(blocker, 'repo') });
  assert.equal(refused.code, 2);
  assertOneLine(refused.stderr, /REPO_DIR .*not-a-dir-\d+\/repo is not writable by this user \(ENOTDIR\)/);
  assert.deepEqual(fs.readdirSync(dataDir), [], 'no database, no admin token');
});

test('an ARCHIVE_MIRROR with user:password@ is refused without showing the password', async () => {
  const refused = await refusedStart({ DATA_DIR: freshDataDir(), ARCHIVE_MIRROR: 'http://mirror-user:hunter2@deb.example.org/debian' });
  assert.equal(refused.code, 2);
  assertOneLine(refused.stderr, /ARCHIVE_MIRROR: must not carry credentials/);
  assert.doesNotMatch(refused.stderr + refused.stdout, /hunter2/);
});

test('two BUILDER_ENGINES entries with one id stop the start with one line naming both', async () => {
  const dataDir = freshDataDir();
  const engines = [
    { id: 'a', host: 'unix:///nonexistent/one.sock' },
    { id: 'b', host: 'unix:///nonexistent/two.sock' },
    { id: 'a', host: 'tcp://127.0.0.1:1' },
  ];
  const refused = await refusedStart({ DATA_DIR: dataDir, BUILDER_ENGINES: JSON.stringify(engines) });
  assert.equal(refused.code, 2);
  assertOneLine(
    refused.stderr,
    /BUILDER_ENGINES: entries 1 \(unix:\/\/\/nonexistent\/one\.sock\) and 3 \(tcp:\/\/127\.0\.0\.1:1\) have the same id "a"/,
  );
  assert.deepEqual(fs.readdirSync(dataDir), []);
});

test('after a start on PGlite, DATA_DIR is 0700 and nothing under it but the repository is readable by others', async () => {
  const dataDir = freshDataDir();
  const port = await freePort();
  let output = '';
  server = spawn(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', String(port)], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      BUILDER_ENGINES: JSON.stringify([{ id: 'absent', host: 'unix:///nonexistent/docker.sock', capacity: 1 }]),
    },
    cwd: root,
  });
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    'the service to answer /healthz',
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
    {
      stallMs: 60_000,
      intervalMs: 250,
      explain: () => output,
    },
  );
  assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
  assert.match(output, /was open to other users \(mode 755\); tightened to 0700/);

  const repo = path.join(dataDir, 'repo');
  const files = fs
    .readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => f !== repo && !f.startsWith(`${repo}/`));
  assert.ok(
    files.some((f) => f.endsWith('admin.token')) && files.some((f) => f.includes('pgdata')),
    'the database and the admin token are there',
  );
  const openToOthers = files.filter((f) => (fs.statSync(f).mode & 0o007) !== 0 && !fs.lstatSync(f).isSymbolicLink());
  assert.deepEqual(openToOthers, [], 'no file or directory outside the repository grants anything to others');
  // And for real: another user cannot read any of them.
  for (const f of files.filter((x) => fs.statSync(x).isFile())) {
    const read = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'head', '-c1', f]);
    assert.notEqual(read.status, 0, `user nobody can read ${f}`);
  }
  const exited = new Promise((resolve) => server!.once('exit', resolve));
  server.kill('SIGTERM');
  assert.equal(await exited, 0);
});

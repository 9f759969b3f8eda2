import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './helpers/free-port.ts';
import { waitFor } from './helpers/wait-for.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-quickstart-'));
// The quick start is about the embedded database: no DATABASE_URL, whatever the suite runs on.
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'info' };
let server: ChildProcess | undefined;

after(() => {
  if (server?.pid) process.kill(-server.pid, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function stubbuild(...args: string[]) {
  return run(process.execPath, [path.join(root, 'bin/stubbuild.js'), ...args], { env, cwd: root });
}

async function waitForHealth(base: string, logs: () => string): Promise<void> {
  await waitFor('the service to come up', async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200, {
    progress: () => logs().length,
    stallMs: 60_000,
    intervalMs: 250,
    explain: () => `\n${logs()}`,
  });
}

test('fresh DATA_DIR: token create, npm start, submit and list a job, on the embedded database', async () => {
  const created = await stubbuild('token', 'create', '--role', 'submit', '--name', 'quickstart');
  const token = created.stdout.trim();
  assert.match(created.stdout, /^sbt_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');

  const port = await freePort();
  let output = '';
  // Its own process group, so a signal reaches npm and the service it started alike.
  server = spawn('npm', ['start', '--silent', '--', '--port', String(port)], { env, cwd: root, detached: true });
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, () => output);

  const adminFile = path.join(dataDir, 'admin.token');
  assert.equal(fs.statSync(adminFile).mode & 0o777, 0o600, 'admin.token is private');
  assert.match(output, /admin\.token/, 'serve says where the admin token is');

  // While serve holds the embedded database, the CLI refuses and points to the admin API.
  const busy = await stubbuild('token', 'create', '--role', 'submit').then(
    () => assert.fail('token create must refuse while serve runs'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.equal(busy.code, 1);
  assert.equal(busy.stdout, '');
  assert.match(busy.stderr, /in use by process \d+/);
  assert.match(busy.stderr, /POST \/v1\/admin\/tokens/);
  // npm start runs the service with the node flags of bin/stubbuild.js's first line.
  const servePid = Number(/in use by process (\d+)/.exec(busy.stderr)![1]);
  const serveArgv = fs.readFileSync(`/proc/${servePid}/cmdline`, 'utf8').split('\0');
  assert.ok(serveArgv.includes('--max-semi-space-size=4'), `serve runs with a capped young generation: ${serveArgv.join(' ')}`);
  const serveEnv = fs.readFileSync(`/proc/${servePid}/environ`, 'utf8').split('\0');
  assert.ok(serveEnv.includes('MALLOC_ARENA_MAX=2'), 'serve runs with glibc malloc arenas capped');

  const post = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'zlib' }),
  });
  assert.equal(post.status, 202);
  const job = (await post.json()) as { id: number };
  const list = (await (await fetch(`${base}/v1/jobs`)).json()) as { items: { id: number; source: string }[] };
  assert.deepEqual(
    list.items.map((j) => [j.id, j.source]),
    [[job.id, 'zlib']],
  );

  // The admin token serve wrote works on the admin API.
  const admin = fs.readFileSync(adminFile, 'utf8').trim();
  const tokens = await fetch(`${base}/v1/admin/tokens`, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(tokens.status, 200);

  // 'close', not 'exit': the last lines it wrote (shutting down) are read by then.
  const exited = new Promise((resolve) => server!.once('close', resolve));
  process.kill(-server.pid!, 'SIGTERM');
  await exited;
  server = undefined;
  // Only a clean shutdown removes the lock file (a crash leaves it for the next start to take over).
  const lockFile = path.join(dataDir, 'db.lock');
  await waitFor('serve to release the database on SIGTERM', () => !fs.existsSync(lockFile), {
    stallMs: 10_000,
    intervalMs: 100,
    explain: () => `\n${output}`,
  });
  assert.match(output, /shutting down/);

  // The data stayed.
  const again = await stubbuild('token', 'create', '--role', 'admin');
  assert.match(again.stdout, /^sbt_/);
});

test('an invalid configuration stops the start with every problem listed', async () => {
  const bad = await run(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'migrate'], {
    env: { ...env, PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' },
    cwd: root,
  }).then(
    () => assert.fail('must refuse'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(bad.code, 2);
  for (const key of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) assert.match(bad.stderr, new RegExp(`${key}:`));
});

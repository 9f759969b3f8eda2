// `stubbuild serve` stops at start, with one clear message, when the configuration renames
// a repository that already exists.
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
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-cli-identity-'));
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
let server: ChildProcess | undefined;

after(() => {
  if (server?.pid && server.exitCode === null) server.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('serve refuses to start when REPO_ORIGIN differs from the existing repository', async () => {
  const port = await freePort();
  server = spawn(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', String(port)], { env, cwd: root });
  let output = '';
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    'the service to publish its repository',
    async () => (await fetch(`http://127.0.0.1:${port}/apt/dists/stubdom/InRelease`).catch(() => undefined))?.status === 200,
    {
      progress: () => output.length,
      stallMs: 60_000,
      intervalMs: 250,
      explain: () => `\n${output}`,
    },
  );
  const exited = new Promise((resolve) => server!.on('exit', resolve));
  server.kill('SIGTERM');
  await exited;

  const refused = await run(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', String(port)], {
    env: { ...env, REPO_ORIGIN: 'renamed' },
    cwd: root,
  }).then(
    () => assert.fail('serve started with a renamed repository'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^stubbuild: the apt repository's identity cannot change once it exists/);
  assert.match(refused.stderr, /Origin is "stubbuild" in the existing repository but REPO_ORIGIN says "renamed"/);
});

// `stubbuild image push` delivers a builder image to an engine that lacks it, through the
// engines' API (no registry): from the machine's engine to a second dockerd on 127.0.0.1 with
// TLS, the same image id on both ends. A tiny image stands in for the builder image (the
// profile names it), so the copy takes seconds.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { freePort } from './helpers/free-port.ts';
import { repoRoot } from './helpers/stubdom-arches.ts';
import { startTlsDockerd, type TlsDockerd } from './helpers/tls-dockerd.ts';
import { waitFor } from './helpers/wait-for.ts';

const run = promisify(execFile);
const tag = `stubbuild-push-test/stubdom-amd64:${process.pid}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-push-'));
let engine: TlsDockerd | undefined;
let env: Record<string, string>;
let service: ChildProcess | undefined;

before(async () => {
  engine = await startTlsDockerd();
  const root = path.join(scratch, 'root');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'hello'), `an image of run ${process.pid}\n`);
  execFileSync('sh', ['-c', `tar -C "${root}" -cf - . | docker import - "${tag}"`], { stdio: 'ignore' });
  const archesDir = path.join(scratch, 'arches');
  fs.mkdirSync(archesDir);
  const profile = JSON.parse(fs.readFileSync(path.join(repoRoot, 'arches/stubdom-amd64.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(archesDir, 'stubdom-amd64.json'), JSON.stringify({ ...profile, image: tag }));
  env = {
    DATA_DIR: path.join(scratch, 'data'),
    DATABASE_URL: '',
    ARCHES_DIR: archesDir,
    ARCHES: 'stubdom-amd64',
    BUILDER_ENGINES: JSON.stringify([
      { id: 'here', host: 'unix:///var/run/docker.sock' },
      { id: 'remote', host: engine.host, tls: engine.client },
      { id: 'refused', host: engine.host, tls: engine.untrusted },
    ]),
  };
});
after(async () => {
  if (service && service.exitCode === null) {
    service.kill('SIGKILL');
    await new Promise((resolve) => service!.on('exit', resolve));
  }
  await engine?.stop();
  execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
  fs.rmSync(scratch, { recursive: true, force: true });
});

function remoteDocker(): Docker {
  return new Docker({
    host: '127.0.0.1',
    port: new URL(engine!.host).port,
    protocol: 'https',
    ca: fs.readFileSync(engine!.client.ca),
    cert: fs.readFileSync(engine!.client.cert),
    key: fs.readFileSync(engine!.client.key),
  });
}

function push(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), 'image', 'push', ...args], {
    env: { ...process.env, ...env },
    cwd: repoRoot,
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

test('image push copies the image to the engine that lacks it, with the same id; a second push finds it there', async () => {
  const local = await new Docker().getImage(tag).inspect();
  const pushed = await push('--engine', 'remote');
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout, new RegExp(`^stubdom-amd64: ${tag} from here to remote: id ${local.Id.slice(7, 19)} \\(`));
  const remote = remoteDocker();
  assert.equal((await remote.getImage(tag).inspect()).Id, local.Id);

  const again = await push('--engine', 'remote', '--from', 'here', '--arch', 'stubdom-amd64');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /engine remote already has/);
});

test('an engine that refuses the client certificate: exit 1, one line naming the TLS failure', async () => {
  const refused = await push('--engine', 'refused');
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /^stubbuild: engine refused: TLS handshake with tcp:\/\/127\.0\.0\.1:\d+ failed: the engine refused the client certificate/,
  );
});

test('an unknown engine id is a usage error naming the configured ones', async () => {
  const unknown = await push('--engine', 'nowhere');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--engine nowhere: no such engine in BUILDER_ENGINES \(configured: here, remote, refused\)/);
});

test('with BUILDER_IMAGE_DELIVERY=push, serve gives an engine that lacks the image a copy by itself', async () => {
  const remote = remoteDocker();
  await remote
    .getImage(tag)
    .remove({ force: true })
    .catch(() => undefined);
  const local = await new Docker().getImage(tag).inspect();
  let output = '';
  service = spawn(process.execPath, [path.join(repoRoot, 'bin/stubbuild.js'), 'serve', '--port', String(await freePort())], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...env,
      DATA_DIR: path.join(scratch, 'serve-data'),
      LOG_LEVEL: 'info',
      BUILDER_IMAGE_DELIVERY: 'push',
      BUILDER_ENGINES: JSON.stringify([
        { id: 'here', host: 'unix:///var/run/docker.sock' },
        { id: 'remote', host: engine!.host, tls: engine!.client },
      ]),
    },
  });
  service.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  service.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const id = await waitFor(
    'the service to push the image to the remote engine',
    async () =>
      (
        await remote
          .getImage(tag)
          .inspect()
          .catch(() => undefined)
      )?.Id,
    { stallMs: 60_000, intervalMs: 250, progress: () => output.length, explain: () => output.slice(-3000) },
  );
  assert.equal(id, local.Id);
  await waitFor('the push to be logged', () => output.includes(`pushed ${tag} to engine remote`), { explain: () => output.slice(-3000) });
  assert.match(output, new RegExp(`engine remote lacks ${tag}: pushing it from here`));
});

// An engine that accepts connections but never answers (a wedged daemon, a dead tunnel):
// every call has a deadline, so health checks say so, attempts end as infrastructure faults
// (retried elsewhere) and orphan reaping gives up, instead of waiting forever. And an engine
// that stops answering in the middle of a build (its wait never returns) is not taken for a
// build that ran over its time.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { DockerBuilder, ENGINE_LABEL } from '../src/builders/docker-builder.ts';
import { ensureBuilderImage } from './builder-image.support.ts';

let dir: string;
let server: net.Server;
const sockets = new Set<net.Socket>();
let builder: DockerBuilder;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-silent-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  // Reads every request and never writes a byte back.
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined).on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  builder = new DockerBuilder('silent', 1, new Docker({ socketPath }), 300);
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

test('the health check reports a silent engine as unreachable', async () => {
  const status = await builder.checkHealth('stubbuild/stubdom-amd64:bookworm');
  assert.equal(status.healthy, false);
  assert.match(status.detail, /^engine unreachable: engine silent: ping: the Docker engine did not answer within 0\.3 s/);
});

test('an attempt on a silent engine ends as an infrastructure fault', async () => {
  const outcome = await builder.runAttempt({
    jobId: 1,
    attempt: 1,
    installation: 'deadline-test',
    image: 'stubbuild/stubdom-amd64:bookworm',
    source: [],
    repository: null,
    artifactDir: path.join(dir, 'artifacts'),
    limits: {
      memoryMiB: 512,
      cpus: 1,
      pids: 256,
      dependenciesSeconds: 60,
      buildSeconds: 60,
      noOutputSeconds: 60,
      maxLogBytes: 1 << 20,
      maxArtifactBytes: 1 << 20,
    },
    onLog: () => undefined,
  });
  assert.equal(outcome.kind, 'infrastructure');
  assert.match((outcome as { message: string }).message, /did not answer within 0\.3 s/);
});

test('reaping orphans on a silent engine fails instead of hanging', async () => {
  await assert.rejects(
    builder.reapOrphans('deadline-test', () => false),
    /engine silent: list containers: the Docker engine did not answer within 0\.3 s/,
  );
});

/**
 * The local Docker engine behind a proxy that forwards every request but never answers
 * POST /containers/{id}/wait, like an engine that stopped talking while a build ran.
 */
async function waitSwallowingProxy(socketPath: string): Promise<() => Promise<void>> {
  const open = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => {
    if (/^\/(v[0-9.]+\/)?containers\/[^/]+\/wait/.test(req.url ?? '')) return;
    const upstream = http.request(
      { socketPath: '/var/run/docker.sock', path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders(); // attach: the client waits for the head before any output
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
  return async () => {
    for (const s of open) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  };
}

test('an engine that stops answering during a step: an infrastructure fault, not a timeout of the build', async () => {
  const { tag } = await ensureBuilderImage();
  const socketPath = path.join(dir, 'proxy.sock');
  const closeProxy = await waitSwallowingProxy(socketPath);
  const engineId = `deadline-test-${process.pid}`;
  const docker = new Docker({ socketPath });
  try {
    // Every other call goes through to the real engine and must answer within this, also on a
    // busy machine (1 s was too short for a container start at a load of 9); the wait that is
    // swallowed gets the step's 2 s and twice this
    const callTimeoutMs = 5000;
    const wedged = new DockerBuilder(engineId, 1, docker, callTimeoutMs);
    const outcome = await wedged.runAttempt({
      jobId: 1,
      attempt: 1,
      installation: 'deadline-test',
      image: tag,
      source: [],
      repository: null,
      artifactDir: path.join(dir, 'wedged-artifacts'),
      limits: {
        memoryMiB: 512,
        cpus: 1,
        pids: 256,
        dependenciesSeconds: 2,
        buildSeconds: 2,
        noOutputSeconds: 60,
        maxLogBytes: 1 << 20,
        maxArtifactBytes: 1 << 20,
      },
      onLog: () => undefined,
    });
    assert.equal(outcome.kind, 'infrastructure', JSON.stringify(outcome));
    assert.match(
      (outcome as { message: string }).message,
      new RegExp(`-deps: wait: the Docker engine did not answer within ${(2000 + 2 * callTimeoutMs) / 1000} s`),
    );
    // The other calls still went through: the attempt's containers and volumes are gone.
    const filters = { label: [`${ENGINE_LABEL}=${engineId}`] };
    assert.deepEqual(await new Docker().listContainers({ all: true, filters }), []);
    assert.deepEqual((await new Docker().listVolumes({ filters })).Volumes ?? [], []);
  } finally {
    await closeProxy();
  }
});

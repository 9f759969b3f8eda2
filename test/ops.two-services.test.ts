// Operating the farm across service processes: two `stubbuild serve` on one PostgreSQL and one
// Docker engine (quick builds of a tiny image FROM the builder image). A build running on one
// process is cancelled through the other and its container is gone within 10 s; its log is
// followed as Server-Sent Events through the process that is not running it, and a reconnect
// with Last-Event-ID continues without repeats (log followers are woken by NOTIFY alone: their
// poll is set to an hour); an archive job whose fetch failed is requeued to fetching and built.
//
// Without DATABASE_URL (embedded PGlite admits one process) one process plays both parts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import pg from 'pg';
import { readServerSentEvents, type ServerSentEvent } from '../src/cli/client/server-sent-events.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { createToken } from '../src/tokens/tokens.ts';
import {
  createLocalArchive,
  type LocalArchive,
  type ArchiveServer,
  scanSources,
  serveArchive,
  writeSuite,
} from './helpers/local-archive.ts';
import { createTestKey } from './helpers/openpgp-test-key.ts';
import { ensureQuickImage, quickSource, type ServiceProcess, spawnService, uploadQuick } from './helpers/quick-builds.ts';
import { createServerDatabase, dropServerDatabase } from './helpers/server-database.ts';
import { waitFor } from './helpers/wait-for.ts';

const serverUrl = process.env.DATABASE_URL || undefined;
const engineId = `ops-${process.pid}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-ops-'));
const dbName = `stubbuild_ops_${process.pid}`;
const docker = new Docker();
const archiveKey = await createTestKey('stubbuild ops archive');
let databaseUrl: string | undefined;
let archesDir: string;
let submitToken: string;
let submitTokenId: string;
let adminToken: string;
let archive: LocalArchive;
let archiveServer: ArchiveServer;
let first: ServiceProcess;
let second: ServiceProcess;
const services: ServiceProcess[] = [];

before(async () => {
  archesDir = (await ensureQuickImage(0.2)).archesDir;
  if (serverUrl) databaseUrl = await createServerDatabase(serverUrl, dbName);
  const handle = await openDatabase({ databaseUrl, dataDir });
  try {
    await migrateToLatest(handle.db);
    adminToken = (await createToken(handle.db, { role: 'admin', name: 'ops admin' })).token;
    const submit = await createToken(handle.db, { role: 'submit', name: 'ops ci' });
    submitToken = submit.token;
    submitTokenId = submit.id;
  } finally {
    await handle.close();
  }
  // An archive that does not have the source yet: a reference to it fails to fetch.
  archive = createLocalArchive([]);
  await writeSuite(archive, 'opstest', '', archiveKey.clearSign);
  const keyring = path.join(dataDir, 'archive-keyring.asc');
  fs.writeFileSync(keyring, archiveKey.publicArmored);
  archiveServer = await serveArchive(archive.root);
  const env = {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    ARCHES_DIR: archesDir,
    BUILDER_ENGINES: JSON.stringify([{ id: engineId, host: 'unix:///var/run/docker.sock', capacity: 2 }]),
    // A heartbeat far off: the cancel reaches the other process's container by NOTIFY alone.
    SCHEDULER_LEASE: '60s',
    SCHEDULER_HEARTBEAT: '20s',
    SCHEDULER_POLL: '500ms',
    // Log followers look at the database only when notified.
    LOG_FOLLOW_POLL: '1h',
    ARCHIVE_MIRROR: archiveServer.url,
    ARCHIVE_SUITES: 'opstest',
    ARCHIVE_KEYRING: keyring,
    REPO_XZ: 'false',
  };
  first = await spawnService(env, path.join(dataDir, 'first.log'));
  services.push(first);
  second = serverUrl ? await spawnService(env, path.join(dataDir, 'second.log')) : first;
  if (second !== first) services.push(second);
});

after(async () => {
  for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await Promise.all(services.map((s) => s.exited));
  for (const info of await docker.listContainers({ all: true, filters: { label: [`org.stubbuild.engine=${engineId}`] } })) {
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  await archiveServer?.close();
  archive?.cleanup();
  if (serverUrl) await dropServerDatabase(serverUrl, dbName);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(archesDir, { recursive: true, force: true });
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function job(url: string, id: number) {
  return (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as {
    state: string;
    reason: string | null;
    events: { from: string | null; to: string; actor: string; reason: string | null }[];
    attempts: { number: number; state: string; message: string | null }[];
  };
}

async function waitForState(url: string, id: number, states: string[]) {
  return waitFor(
    `job ${id} to be ${states.join(' or ')}`,
    async () => {
      const j = await job(url, id);
      return states.includes(j.state) ? j : undefined;
    },
    { progress: async () => (await job(url, id)).events.length, stallMs: 60_000, intervalMs: 200 },
  );
}

/** The process whose scheduler runs the job's current attempt, and the other one. */
async function runnerOf(id: number): Promise<{ runner: ServiceProcess; other: ServiceProcess }> {
  if (!databaseUrl) return { runner: first, other: first };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ lease_owner: string }>(
      `select lease_owner from attempts where job_id = $1 and state = 'running'`,
      [id],
    );
    const pid = Number(rows[0]!.lease_owner.split(':')[2]);
    return pid === first.pid ? { runner: first, other: second } : { runner: second, other: first };
  } finally {
    await client.end();
  }
}

async function containersOf(id: number): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`org.stubbuild.job=${id}`, `org.stubbuild.engine=${engineId}`] },
  });
  return list.map((c) => c.Id);
}

test('a build running on one process is cancelled through the other: its container is gone within 10 s, the job cancelled by the token', async () => {
  const id = await uploadQuick(first.url, submitToken, 'opsendless', { seconds: 600 });
  await waitForState(first.url, id, ['building']);
  await waitFor('the build container to run', async () => (await containersOf(id)).length > 0, { stallMs: 60_000 });
  const { other } = await runnerOf(id);

  const res = await fetch(`${other.url}/v1/jobs/${id}/cancel`, {
    method: 'POST',
    headers: { ...auth(submitToken), 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'not needed any more' }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  // Asked of the Docker engine itself: no container with the job's label is left.
  await waitFor('no container of the cancelled job', async () => (await containersOf(id)).length === 0, {
    stallMs: 10_000,
    intervalMs: 100,
  });

  const cancelled = await job(first.url, id);
  assert.equal(cancelled.state, 'cancelled');
  const event = cancelled.events.at(-1)!;
  assert.deepEqual([event.from, event.to, event.actor], ['building', 'cancelled', `token:${submitTokenId}`]);
  assert.equal(event.reason, `cancelled by token ${submitTokenId}: not needed any more`);
  assert.deepEqual(
    cancelled.attempts.map((a) => [a.state, a.message]),
    [['aborted', `cancelled by token ${submitTokenId}: not needed any more`]],
  );
});

test("a running build's log followed as Server-Sent Events through the other process shows lines before the build ends; Last-Event-ID resumes without repeats", async () => {
  const id = await uploadQuick(first.url, submitToken, 'opsfollowed', { seconds: 8 });
  await waitForState(first.url, id, ['building']);
  const { other } = await runnerOf(id);
  const open = async (lastEventId?: string) => {
    const abort = new AbortController();
    const res = await fetch(`${other.url}/v1/jobs/${id}/log?attempt=1`, {
      headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
    return { events: readServerSentEvents(res.body!), abort };
  };

  const received: ServerSentEvent[] = [];
  const firstConnection = await open();
  for await (const event of firstConnection.events) {
    received.push(event);
    if (event.event === 'log' && /second 1 of 8/.test(event.data)) break;
  }
  // A line the build printed while it still runs.
  assert.equal((await job(first.url, id)).state, 'building', 'the line came before the build ended');
  firstConnection.abort.abort();
  const resumeFrom = received.at(-1)!.id!;

  const secondConnection = await open(resumeFrom);
  let end: ServerSentEvent | undefined;
  for await (const event of secondConnection.events) {
    if (event.event === 'end') {
      end = event;
      break;
    }
    received.push(event);
  }
  secondConnection.abort.abort();
  assert.ok(end, 'the stream ends with an end event');
  assert.deepEqual(JSON.parse(end.data), { state: 'published', reason: 'in the apt repository', attempt: 1 });

  const ids = received.map((e) => Number(e.id));
  assert.deepEqual(
    ids,
    [...new Set(ids)].sort((a, b) => a - b),
    'each chunk once, in order',
  );
  assert.deepEqual(
    ids,
    Array.from({ length: ids.length }, (_, i) => i + 1),
    'no chunk missing',
  );
  const whole = await (await fetch(`${first.url}/v1/jobs/${id}/log`)).text();
  assert.equal(received.map((e) => e.data).join(''), whole);
  assert.match(whole, /second 8 of 8/);
});

test('an archive job whose fetch failed is requeued to fetching, and then built', async () => {
  const res = await fetch(`${first.url}/v1/jobs`, {
    method: 'POST',
    headers: { ...auth(submitToken), 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'opsfetched', suite: 'opstest' }),
  });
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: number };
  const failed = await waitForState(first.url, id, ['failed']);
  assert.match(String(failed.reason), /opsfetched is not in opstest/);

  // The source arrives in the archive; the operator requeues the job.
  const dir = path.join(archive.root, 'pool', 'main', 'o', 'opsfetched');
  fs.mkdirSync(dir, { recursive: true });
  for (const file of quickSource('opsfetched')) fs.writeFileSync(path.join(dir, file.name), file.content);
  await writeSuite(archive, 'opstest', scanSources(archive), archiveKey.clearSign);
  const requeue = await fetch(`${second.url}/v1/admin/jobs/${id}/requeue`, { method: 'POST', headers: auth(adminToken) });
  assert.equal(requeue.status, 200, await requeue.clone().text());
  assert.equal(((await requeue.json()) as { state: string }).state, 'fetching');

  const published = await waitForState(first.url, id, ['published', 'failed', 'cancelled']);
  assert.equal(published.state, 'published', published.reason ?? '');
  assert.deepEqual(
    published.events.map((e) => e.to),
    ['fetching', 'failed', 'fetching', 'queued', 'building', 'publishing', 'published'],
  );
});

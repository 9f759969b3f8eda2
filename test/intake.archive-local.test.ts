// The archive fetcher against a local Debian archive: indexed by dpkg-scansources, InRelease
// signed with a throwaway key that ARCHIVE_KEYRING names, served on 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import type { FetcherDeps } from '../src/jobs/archive/fetch-archive-job.ts';
import { loadArchiveKeyring } from '../src/jobs/archive/archive-settings.ts';
import { claimFetchJob, releaseFetchJob } from '../src/jobs/archive/fetch-lease.ts';
import { DebianSourceNames } from '../src/jobs/archive/debian-source-names.ts';
import { createFetcherDeps } from '../src/jobs/archive/fetcher-deps.ts';
import { stubdomArches } from './helpers/stubdom-arches.ts';
import { fetchNextJob, runFetcher } from '../src/jobs/archive/run-fetcher.ts';
import { KeyringError } from '../src/jobs/openpgp-keyring.ts';
import { snapshotState } from './helpers/db-snapshot.ts';
import { freePort } from './helpers/free-port.ts';
import { makeSourcePackage, packFixtureSource } from './helpers/source-package.ts';
import { type ArchiveServer, createLocalArchive, scanSources, serveArchive, writeSuite } from './helpers/local-archive.ts';
import { createTestKey } from './helpers/openpgp-test-key.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitFor } from './helpers/wait-for.ts';

const archiveKey = await createTestKey('stubbuild test archive');
const otherKey = await createTestKey('not the archive');
const tiny10 = makeSourcePackage({ name: 'libstubtiny', version: '1.0' });
const tiny11 = makeSourcePackage({ name: 'libstubtiny', version: '1.1' });
const hello = packFixtureSource('libstubhello');
const broken = makeSourcePackage({ name: 'libstubbroken', version: '1.0' });
// Debian's zstd: the source libzstd builds the binary zstd (and libzstd1, libzstd-dev).
const zstd = makeSourcePackage({ name: 'libzstd', version: '1.5.4+dfsg2', extraBinaries: ['zstd', 'libzstd1'] });
const archive = createLocalArchive([
  { source: 'libstubtiny', pkg: tiny10 },
  { source: 'libstubtiny', pkg: tiny11 },
  { source: 'libstubhello', pkg: hello },
  { source: 'libstubbroken', pkg: broken },
  { source: 'libzstd', pkg: zstd },
]);
const sources = scanSources(archive);
// Altered after indexing, keeping its size: only the SHA-256 can tell.
const brokenTar = archive.poolPath('libstubbroken', broken.files.find((f) => !f.name.endsWith('.dsc'))!.name);
const altered = fs.readFileSync(brokenTar);
altered[altered.length - 30]! ^= 0x01;
fs.writeFileSync(brokenTar, altered);

await writeSuite(archive, 'stubtest', sources, archiveKey.clearSign);
// Signed, then changed: the signature no longer matches the text.
await writeSuite(archive, 'stubtest-forged', sources, async (release) =>
  (await archiveKey.clearSign(release)).replace(/^Date: .*$/m, 'Date: Thu, 01 Jan 2037 00:00:00 UTC'),
);
// Properly signed, by a key the keyring does not hold.
await writeSuite(archive, 'stubtest-stranger', sources, otherKey.clearSign);
// Properly signed, but its Valid-Until has passed (a replayed old InRelease).
await writeSuite(archive, 'stubtest-stale', sources, archiveKey.clearSign, { 'Valid-Until': 'Sat, 01 Jan 2022 00:00:00 UTC' });
const keyringPath = path.join(archive.root, '..', `${path.basename(archive.root)}-keyring.asc`);
fs.writeFileSync(keyringPath, archiveKey.publicArmored);

let server: ArchiveServer;
let t: TestApp;
let deps: FetcherDeps;
const logs: { msg: string; reason?: string; jobId?: number }[] = [];

before(async () => {
  server = await serveArchive(archive.root);
  const env = {
    ARCHIVE_MIRROR: server.url,
    ARCHIVE_SUITES: 'stubtest stubtest-forged stubtest-stranger stubtest-stale',
    // A "security mirror" that is down: nothing listens on the port.
    ARCHIVE_SECURITY_MIRROR: `http://127.0.0.1:${await freePort()}/debian-security`,
    ARCHIVE_SECURITY_SUITES: 'stubtest-down',
    ARCHIVE_KEYRING: keyringPath,
  };
  t = await createTestApp(env);
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const fromConfig = await createFetcherDeps(loadConfig({ ...env, DATA_DIR: t.dataDir }), t.db, t.store, logger, stubdomArches);
  // Retries and timeouts in milliseconds, so the failure cases stay quick.
  deps = { ...fromConfig, http: { ...fromConfig.http, retryDelaysMs: [20, 50], idleTimeoutMs: 1_000 } };
});

after(async () => {
  await t.close();
  await server.close();
  for (const pkg of [tiny10, tiny11, hello, broken, zstd]) pkg.cleanup();
  archive.cleanup();
  fs.rmSync(keyringPath, { force: true });
});

interface JobView {
  id: number;
  state: string;
  causeClass: string | null;
  version: string | null;
  reason: string | null;
  binaries: string[];
  buildDepends: string;
  files: { name: string; sha256: string; size: number }[];
  events: { from: string | null; to: string; actor: string; reason: string | null }[];
}

async function submit(payload: Record<string, string>): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(t.submitToken), payload });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(res.json().state, 'fetching');
  return res.json().id;
}

async function jobView(id: number): Promise<JobView> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
  assert.equal(res.statusCode, 200);
  return res.json();
}

/** Submits a reference and runs the fetcher once; returns the job afterwards and the time taken. */
async function submitAndFetch(payload: Record<string, string>): Promise<JobView & { ms: number }> {
  const id = await submit(payload);
  const started = Date.now();
  const outcome = await fetchNextJob(deps);
  assert.equal(outcome?.jobId, id);
  return { ...(await jobView(id)), ms: Date.now() - started };
}

/** Failed as a fetch failure: the reason reads `fetch: <what went wrong>`. */
function assertFailed(job: JobView, reason: RegExp): void {
  assert.equal(job.state, 'failed', JSON.stringify(job));
  assert.equal(job.causeClass, 'fetch');
  assert.match(job.reason ?? '', /^fetch: /);
  const said = (job.reason ?? '').slice('fetch: '.length);
  assert.match(said, reason);
  assert.deepEqual(job.files, [], 'a failed fetch records no files');
  assert.deepEqual(
    job.events.map((e) => [e.from, e.to, e.actor]),
    [
      [null, 'fetching', job.events[0]!.actor],
      ['fetching', 'failed', 'fetcher'],
    ],
  );
  assert.ok(
    logs.some((l) => l.jobId === job.id && l.msg === 'archive reference failed' && l.reason === said),
    'the decision is logged',
  );
}

test('the newest version is fetched, verified against the index and the .dsc, stored and queued', async () => {
  const job = await submitAndFetch({ source: 'libstubtiny' });
  console.log(`libstubtiny (cold cache): ${job.ms} ms`);
  assert.equal(job.state, 'queued', job.reason ?? '');
  assert.equal(job.version, '1.1');
  assert.deepEqual(job.binaries, ['libstubtiny-dev']);
  assert.equal(job.buildDepends, 'debhelper-compat (= 13)');
  assert.deepEqual(job.files.map((f) => f.name).sort(), tiny11.files.map((f) => f.name).sort());
  for (const file of job.files) {
    const original = tiny11.files.find((f) => f.name === file.name)!.content;
    assert.equal(file.size, original.length);
    assert.deepEqual(fs.readFileSync(t.store.pathOf(file.sha256)), original, `${file.name} stored as published`);
  }
  assert.deepEqual(job.events.at(-1), { ...job.events.at(-1), from: 'fetching', to: 'queued', actor: 'fetcher' });
  assert.match(job.events.at(-1)!.reason ?? '', /fetched libstubtiny 1\.1 from stubtest/);
});

test('an exact version is fetched; the builder fixture libstubhello comes through whole', async () => {
  const old = await submitAndFetch({ source: 'libstubtiny', version: '1.0' });
  assert.equal(old.state, 'queued', old.reason ?? '');
  assert.equal(old.version, '1.0');
  const job = await submitAndFetch({ source: 'libstubhello', suite: 'stubtest' });
  assert.equal(job.state, 'queued', job.reason ?? '');
  assert.equal(job.version, '0.1');
  assert.deepEqual(job.binaries, ['libstubhello-dev']);
  assert.deepEqual(job.files.map((f) => f.name).sort(), hello.files.map((f) => f.name).sort());
});

test('an unchanged archive costs one conditional request for InRelease (304), and no Sources download', async () => {
  const mark = server.requests.length;
  const job = await submitAndFetch({ source: 'libstubtiny' });
  console.log(`libstubtiny (warm cache): ${job.ms} ms`);
  assert.equal(job.state, 'queued', job.reason ?? '');
  const index = server.requests.slice(mark).filter((r) => r.path.startsWith('/dists/'));
  assert.deepEqual(index, [{ path: '/dists/stubtest/InRelease', status: 304, conditional: true }]);
});

test('no such source: failed, naming similar sources that do exist', async () => {
  const job = await submitAndFetch({ source: 'libstubtin' });
  assertFailed(job, /^source package libstubtin is not in stubtest main; similar names there: libstubtiny/);
});

test('no such version: failed, naming the versions there are', async () => {
  const job = await submitAndFetch({ source: 'libstubtiny', version: '9.9' });
  assertFailed(job, /^version 9\.9 of libstubtiny is not in stubtest \(have 1\.1, 1\.0\)$/);
});

test('a file altered after indexing: failed naming the file, nothing stored', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const job = await submitAndFetch({ source: 'libstubbroken' });
  assertFailed(job, /^hash mismatch for libstubbroken_1\.0\.tar\.xz: /);
  const after = await snapshotState(t.db, t.dataDir);
  assert.deepEqual(after.files, before.files, 'no stored or staged file left behind');
});

test('an InRelease whose signature does not verify: failed', async () => {
  const job = await submitAndFetch({ source: 'libstubtiny', suite: 'stubtest-forged' });
  assertFailed(job, /^InRelease of stubtest-forged: bad signature: the signature by key [0-9A-F]{16} does not verify/);
});

test('an InRelease signed by a key that is not in ARCHIVE_KEYRING: failed', async () => {
  const job = await submitAndFetch({ source: 'libstubtiny', suite: 'stubtest-stranger' });
  assertFailed(job, new RegExp(`^InRelease of stubtest-stranger: bad signature: it is signed by key ${otherKey.keyId}, which is not in `));
});

test('an InRelease past its Valid-Until: failed', async () => {
  const job = await submitAndFetch({ source: 'libstubtiny', suite: 'stubtest-stale' });
  assertFailed(job, /^InRelease of stubtest-stale expired at Sat, 01 Jan 2022/);
});

test('a suite that is not configured is refused at submission (422), no job made', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: bearer(t.submitToken),
    payload: { source: 'zlib', suite: 'sid' },
  });
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().type, 'urn:stubbuild:problem:unknown-suite');
  assert.match(res.json().detail, /suite sid is not configured; configured suites: stubtest, stubtest-forged/);
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});

test('a version dpkg cannot read is refused at submission (400), no job made', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: bearer(t.submitToken),
    payload: { source: 'zlib', version: 'one.two' },
  });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().type, 'urn:stubbuild:problem:invalid-input');
  assert.match(res.json().detail, /^version: version number does not start with a digit/);
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});

test('an ARCHIVE_KEYRING that was set but cannot be read stops the start', async () => {
  await assert.rejects(loadArchiveKeyring({ ARCHIVE_KEYRING: path.join(archive.root, 'missing.gpg') }), (error: Error) => {
    assert.ok(error instanceof KeyringError);
    assert.match(error.message, /cannot read OpenPGP keyring .*missing\.gpg: ENOENT/);
    return true;
  });
  // A keybox is not a keyring openpgp can read: say how to make one.
  const keybox = path.join(archive.root, 'pubring.kbx');
  fs.writeFileSync(keybox, Buffer.concat([Buffer.alloc(8), Buffer.from('KBXf'), Buffer.alloc(20)]));
  await assert.rejects(loadArchiveKeyring({ ARCHIVE_KEYRING: keybox }), /GnuPG keybox .*gpg --export/);
});

test('transient errors (503, a stalled download) are retried and the fetch succeeds', async () => {
  const dsc = `/pool/main/libs/libstubtiny/${tiny10.dscName}`;
  const tar = `/pool/main/libs/libstubtiny/${tiny10.files.find((f) => f !== tiny10.files.find((g) => g.name === tiny10.dscName))!.name}`;
  server.failNext(dsc, 2);
  server.stallNext(tar, 1);
  const mark = server.requests.length;
  const job = await submitAndFetch({ source: 'libstubtiny', version: '1.0' });
  console.log(`libstubtiny 1.0 through two 503s and a stall: ${job.ms} ms`);
  assert.equal(job.state, 'queued', job.reason ?? '');
  const seen = server.requests.slice(mark);
  assert.deepEqual(
    seen.filter((r) => r.path === dsc).map((r) => r.status),
    [503, 503, 200],
  );
  assert.equal(seen.filter((r) => r.path === tar).length, 2, 'the stalled download was tried again');
  assert.ok(logs.some((l) => l.jobId === job.id && l.msg === 'archive request failed; retrying'));
});

test('a mirror that stays unreachable: failed after the retries, with the network error', async () => {
  const job = await submitAndFetch({ source: 'zlib', suite: 'stubtest-down' });
  assertFailed(
    job,
    /^network error after 3 attempts: GET http:\/\/127\.0\.0\.1:\d+\/debian-security\/dists\/stubtest-down\/InRelease: ECONNREFUSED/,
  );
});

test('a job whose fetcher died is taken over once its lease runs out; a live lease is respected', async () => {
  const orphan = await submit({ source: 'libstubtiny' });
  const crashed = await claimFetchJob(t.db, 'fetcher:crashed-process', 1);
  assert.equal(crashed?.id, orphan);
  await waitFor("the crashed fetcher's lease to run out", async () => {
    const { rows } = await sql<{ out: boolean }>`select fetch_lease_until < now() as out from jobs where id = ${orphan}`.execute(t.db);
    return rows[0]!.out;
  });
  const outcome = await fetchNextJob(deps);
  assert.deepEqual(outcome, { jobId: orphan, state: 'queued', version: '1.1' });

  const held = await submit({ source: 'libstubtiny' });
  const alive = await claimFetchJob(t.db, 'fetcher:other-replica', 60_000);
  assert.equal(alive?.id, held);
  assert.equal(await fetchNextJob(deps), undefined, 'a job another fetcher holds is not fetched twice');
  await releaseFetchJob(t.db, alive!, { countAttempt: false });
  assert.equal((await fetchNextJob(deps))?.jobId, held);
});

test('a job that keeps killing its fetcher is failed after five attempts', async () => {
  const id = await submit({ source: 'libstubtiny' });
  await t.db.updateTable('jobs').set({ fetch_attempts: 5 }).where('id', '=', id).execute();
  const outcome = await fetchNextJob(deps);
  assert.equal(outcome?.state, 'failed');
  assertFailed(await jobView(id), /^gave up after 5 attempts/);
});

test('two fetchers at once never fetch the same job', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 4; i += 1) ids.push(await submit({ source: 'libstubtiny', version: '1.0' }));
  const dsc = `/pool/main/libs/libstubtiny/${tiny10.dscName}`;
  const mark = server.requests.length;
  const fetchers = [runFetcher(deps, { pollMs: 20 }), runFetcher(deps, { pollMs: 20 })];
  const states = () => Promise.all(ids.map(async (id) => (await jobView(id)).state));
  await waitFor('every job fetched', async () => (await states()).every((s) => s !== 'fetching'), { progress: states, stallMs: 30_000 });
  await Promise.all(fetchers.map((f) => f.stop()));
  for (const id of ids) {
    const job = await jobView(id);
    assert.equal(job.state, 'queued', job.reason ?? '');
    assert.equal(job.events.filter((e) => e.from === 'fetching').length, 1);
  }
  assert.equal(server.requests.slice(mark).filter((r) => r.path === dsc).length, ids.length, 'each job downloaded once');
});

test('stopping the fetcher mid-download gives the job back untouched, for the next start', async () => {
  const tar = `/pool/main/libs/libstubtiny/${tiny11.files.find((f) => f.name !== tiny11.dscName)!.name}`;
  server.stallNext(tar, 1);
  const id = await submit({ source: 'libstubtiny' });
  const mark = server.requests.length;
  // The stalled download would only time out after an hour: stop() returning at all shows
  // that it does not wait for the download.
  const fetcher = runFetcher({ ...deps, http: { ...deps.http, idleTimeoutMs: 3_600_000 } }, { pollMs: 20 });
  await waitFor('the download to start', () => server.requests.slice(mark).some((r) => r.path === tar), { intervalMs: 10 });
  await fetcher.stop();
  const row = await t.db
    .selectFrom('jobs')
    .select(['state', 'fetch_lease_owner', 'fetch_attempts'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { state: 'fetching', fetch_lease_owner: null, fetch_attempts: 0 });
  assert.deepEqual(fs.readdirSync(t.store.tmpDir), [], 'the partial download was removed');
  assert.equal((await fetchNextJob(deps))?.state, 'queued', 'the next fetcher takes it at once');
});

test('a reference without a version supersedes older jobs of its source once the fetch tells the version', async () => {
  const older = await submitAndFetch({ source: 'libstubtiny', version: '1.0' });
  assert.equal(older.state, 'queued', older.reason ?? '');
  const newest = await submitAndFetch({ source: 'libstubtiny' });
  assert.equal(newest.version, '1.1');
  const cancelled = await jobView(older.id);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal(cancelled.reason, `superseded by 1.1 (job ${newest.id})`);
});

test('a binary package name is taken as apt takes it: zstd builds source libzstd, and the events say so', async () => {
  const job = await submitAndFetch({ source: 'zstd' });
  assert.equal(job.state, 'queued', job.reason ?? '');
  const view = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json();
  assert.equal(view.source, 'libzstd');
  assert.equal(job.version, '1.5.4+dfsg2');
  assert.deepEqual(job.binaries, ['libzstd-dev', 'zstd', 'libzstd1']);
  assert.equal(job.events.at(-1)!.reason, 'fetched libzstd 1.5.4+dfsg2 from stubtest (zstd is a binary package of source libzstd)');
});

test('a batch naming one source twice, or a source and one of its binaries, makes one job', async () => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: bearer(t.submitToken),
    payload: { sources: [{ source: 'libstubhello' }, { source: 'libstubhello' }, { source: 'libzstd' }, { source: 'zstd' }] },
  });
  assert.equal(res.statusCode, 202, res.body);
  const members = res.json().members as { jobId: number }[];
  assert.equal(members.length, 3, 'the repeated reference is one member');
  for (;;) {
    const outcome = await fetchNextJob(deps);
    if (!outcome) break;
  }
  const states = await Promise.all(members.map(async (m) => jobView(m.jobId)));
  const zstdJobs = states.filter((j) => j.binaries.includes('zstd'));
  assert.deepEqual(zstdJobs.map((j) => j.state).sort(), ['cancelled', 'queued'], 'libzstd is built once');
  const twin = zstdJobs.find((j) => j.state === 'cancelled')!;
  const kept = zstdJobs.find((j) => j.state === 'queued')!;
  assert.equal(twin.reason, `the same source as job ${kept.id} of its batch (libzstd 1.5.4+dfsg2)`);
});

test("the Debian source of a binary is named from the suite's Sources index", async () => {
  const names = new DebianSourceNames(deps);
  assert.deepEqual(await names.sourcesOf('zstd'), ['libzstd']);
  assert.deepEqual(await names.sourcesOf('libstubtiny-dev'), ['libstubtiny']);
  assert.deepEqual(await names.sourcesOf('zst'), [], 'a part of a name is not the name');
  const asked = ['libstubtiny-dev', 'zstd', 'libzstd-dev', 'zst'];
  const fresh = new DebianSourceNames(deps);
  assert.deepEqual(
    await Promise.all(asked.map((binary) => fresh.sourcesOf(binary))),
    await Promise.all(asked.map((binary) => names.sourcesOf(binary))),
    'names asked at once (answered by one pass) are answered as names asked one by one',
  );
});

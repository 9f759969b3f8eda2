// The scheduler for real: `stubbuild serve` processes on one database and one Docker engine
// (capacity 4, quick builds of a tiny image FROM the builder image), 200 jobs. One process is
// killed with SIGKILL mid-build; its attempts are given back once their lease runs out and
// finish elsewhere. Every job is built exactly once at a time, and is published.
//
// With DATABASE_URL (PostgreSQL): two processes at once, the second takes over from the
// killed one. Without it (embedded PGlite admits one process): one process, killed, then a
// second one started on the same data directory takes over.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../src/db/migrate.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/open-database.ts';
import { mapLimited } from '../src/map-limited.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { ensureQuickImage, type ServiceProcess, spawnService, uploadQuick } from './helpers/quick-builds.ts';
import { HANG_BACKSTOP_MS, waitFor } from './helpers/wait-for.ts';

const JOBS = 200;
const CAPACITY = 4;
const LEASE_MS = 6_000;
const HEARTBEAT_MS = 1_000;
const serverUrl = process.env.DATABASE_URL || undefined;
const engineId = `two-services-${process.pid}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-two-services-'));
const dbName = `stubbuild_two_services_${process.pid}`;
let databaseUrl: string | undefined;
let archesDir: string;
let submitToken: string;
const services: ServiceProcess[] = [];

function serviceEnv(): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    ARCHES_DIR: archesDir,
    BUILDER_ENGINES: JSON.stringify([{ id: engineId, host: 'unix:///var/run/docker.sock', capacity: CAPACITY }]),
    SCHEDULER_LEASE: `${LEASE_MS}ms`,
    SCHEDULER_HEARTBEAT: `${HEARTBEAT_MS}ms`,
    SCHEDULER_POLL: '500ms',
    SCHEDULER_BACKOFF: '1s',
    REPO_XZ: 'false',
    LOG_LEVEL: 'info',
  };
}

/** The database, for setup and for the verdict (on PGlite only while no service holds it). */
async function openDb(): Promise<DatabaseHandle> {
  return openDatabase({ databaseUrl, dataDir });
}

before(async () => {
  archesDir = (await ensureQuickImage(0.2)).archesDir;
  if (serverUrl) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const handle = await openDb();
  try {
    await migrateToLatest(handle.db);
    await createToken(handle.db, { role: 'admin', name: 'two-services admin' });
    submitToken = (await createToken(handle.db, { role: 'submit', name: 'two-services ci' })).token;
  } finally {
    await handle.close();
  }
});

after(async () => {
  for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(services.map((s) => s.exited));
  for (const kind of ['container', 'volume'] as const) {
    const ids = execFileSync(
      'docker',
      [kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=org.stubbuild.engine=${engineId}`],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) execFileSync('docker', [kind, 'rm', '-f', ...ids], { stdio: 'ignore' });
  }
  if (serverUrl) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(archesDir, { recursive: true, force: true });
});

async function start(name: string): Promise<ServiceProcess> {
  const service = await spawnService(serviceEnv(), path.join(dataDir, `${name}.log`));
  services.push(service);
  return service;
}

async function countByState(url: string, state: string): Promise<number> {
  const res = await fetch(`${url}/v1/jobs?state=${state}&limit=500`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

async function runningOnEngine(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/admin/engines`, {
    headers: { authorization: `Bearer ${fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim()}` },
  });
  return ((await res.json()) as { items: { running: number }[] }).items[0]?.running ?? 0;
}

/** How the farm moves: jobs by state and attempts finished. Any change is progress. */
async function farmProgress(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/v1/jobs?limit=500`);
  const counts: Record<string, number> = {};
  for (const j of ((await res.json()) as { items: { state: string }[] }).items) counts[j.state] = (counts[j.state] ?? 0) + 1;
  return counts;
}

function labelled(kind: 'container' | 'volume'): string[] {
  return execFileSync(
    'docker',
    [kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=org.stubbuild.engine=${engineId}`],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
}

test(
  `${JOBS} jobs, capacity ${CAPACITY}, one service process killed mid-build: every job runs exactly once at a time and is published`,
  { timeout: HANG_BACKSTOP_MS },
  async (t) => {
    const began = Date.now();
    // The token file lets the helpers read the admin API; no service created one (tokens exist).
    const handle = await openDb();
    fs.writeFileSync(path.join(dataDir, 'admin.token'), `${(await createToken(handle.db, { role: 'admin' })).token}\n`);
    await handle.close();

    const first = await start('first');
    const second = serverUrl ? await start('second') : undefined;
    const targets = second ? [first.url, second.url] : [first.url];
    const ids = await mapLimited(
      Array.from({ length: JOBS }, (_, i) => i),
      8,
      (i) => uploadQuick(targets[i % targets.length]!, submitToken, `quick${String(i).padStart(3, '0')}`),
    );
    assert.equal(new Set(ids).size, JOBS);
    t.diagnostic(`${JOBS} uploads answered in ${Date.now() - began} ms`);
    // Mid-build: some published, and the first process holds running attempts.
    await waitFor(
      '25 jobs published and attempts running',
      async () => (await countByState(first.url, 'published')) >= 25 && (await runningOnEngine(first.url)) > 0,
      {
        progress: () => farmProgress(first.url),
        stallMs: 60_000,
        intervalMs: 200,
      },
    );
    if (second) {
      // Make sure the victim holds attempts of its own, not only the other process.
      await waitFor(
        'the first process to hold an attempt',
        async () => {
          const h = await openDb();
          try {
            const { n } = await h.db
              .selectFrom('attempts')
              .select(sql<number>`count(*)::int`.as('n'))
              .where('state', '=', 'running')
              .where('lease_owner', 'like', `%:${first.pid}:%`)
              .executeTakeFirstOrThrow();
            return n > 0;
          } finally {
            await h.close();
          }
        },
        { stallMs: 30_000, intervalMs: 200 },
      );
    }
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    const survivor = second ?? (await start('restarted'));
    // Leases of the killed process run out LEASE_MS after its last renewal at the latest; a
    // restarted process gives them back at its start if that is later.
    const takeoverFrom = second ? 0 : Date.now() - killedAt;

    // Bounded by progress, not by a total: a loaded machine builds 200 jobs slower, a stuck
    // farm fails within a minute and a half of its last change.
    await waitFor(`all ${JOBS} jobs published`, async () => (await countByState(survivor.url, 'published')) >= JOBS, {
      progress: () => farmProgress(survivor.url),
      stallMs: 90_000,
      intervalMs: 200,
      explain: async () => JSON.stringify(await farmProgress(survivor.url)),
    });
    t.diagnostic(`all published ${Date.now() - began} ms after the first upload; killed at ${killedAt - began} ms`);
    // The survivor removes the killed process's containers once their leases are gone.
    await waitFor(
      'no container or volume of the killed process left',
      () => labelled('container').length + labelled('volume').length === 0,
      {
        progress: () => labelled('container').length + labelled('volume').length,
        stallMs: LEASE_MS * 3,
        intervalMs: 200,
      },
    );

    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0, 'the survivor stops cleanly on SIGTERM');

    const verdict = await openDb();
    const { db } = verdict;
    try {
      const jobs = await db.selectFrom('jobs').select(['id', 'state']).where('id', 'in', ids).execute();
      assert.equal(jobs.length, JOBS);
      assert.deepEqual([...new Set(jobs.map((j) => j.state))], ['published']);

      const attempts = await db
        .selectFrom('attempts')
        .select(['job_id', 'number', 'engine_id', 'state', 'reason', 'lease_owner', 'started_at', 'finished_at'])
        .where('job_id', 'in', ids)
        .orderBy('job_id')
        .orderBy('number')
        .execute();
      const byJob = new Map<number, typeof attempts>();
      for (const a of attempts) byJob.set(a.job_id, [...(byJob.get(a.job_id) ?? []), a]);
      for (const id of ids) {
        const list = byJob.get(id) ?? [];
        assert.equal(list.filter((a) => a.state === 'built').length, 1, `job ${id} was built exactly once`);
        for (let i = 1; i < list.length; i += 1) {
          assert.ok(list[i - 1]!.finished_at! <= list[i]!.started_at, `job ${id}: attempt ${i} ended before attempt ${i + 1} began`);
        }
        for (const a of list.filter((x) => x.state !== 'built')) {
          assert.deepEqual(
            [a.state, a.reason],
            ['infrastructure', 'lease-expired'],
            `job ${id} attempt ${a.number}: only lease expiries besides the build`,
          );
          assert.match(String(a.lease_owner), new RegExp(`:${first.pid}:`), 'only the killed process lost attempts');
        }
      }

      // At no moment did the engine run more than its capacity (by the attempts' records).
      const edges = attempts.flatMap((a) => [
        { at: a.started_at.getTime(), d: 1 },
        { at: a.finished_at!.getTime(), d: -1 },
      ]);
      edges.sort((x, y) => x.at - y.at || x.d - y.d);
      let now = 0;
      let peak = 0;
      for (const e of edges) peak = Math.max(peak, (now += e.d));
      assert.ok(peak <= CAPACITY, `at most ${CAPACITY} attempts at once; saw ${peak}`);

      // The killed process's attempts were given back within the lease, by the scheduler.
      const lost = attempts.filter((a) => a.state === 'infrastructure');
      assert.ok(lost.length > 0, 'the killed process was building');
      const givenBack = await db
        .selectFrom('job_events')
        .select(['job_id', 'actor', 'reason', 'created_at'])
        .where(
          'job_id',
          'in',
          lost.map((a) => a.job_id),
        )
        .where('from_state', '=', 'building')
        .where('to_state', '=', 'queued')
        .execute();
      assert.equal(givenBack.length, lost.length);
      for (const e of givenBack) {
        assert.equal(e.actor, 'scheduler');
        assert.match(String(e.reason), /^lease expired: /);
        const after = e.created_at.getTime() - killedAt;
        const bound = Math.max(LEASE_MS, takeoverFrom) + 2 * HEARTBEAT_MS + 3_000;
        assert.ok(after <= bound, `job ${e.job_id} given back ${after} ms after the kill (bound ${bound} ms)`);
      }
      const durations = attempts
        .filter((a) => a.state === 'built')
        .map((a) => a.finished_at!.getTime() - a.started_at.getTime())
        .sort((x, y) => x - y);
      const latest = Math.max(...givenBack.map((e) => e.created_at.getTime() - killedAt));
      t.diagnostic(
        `attempts: ${attempts.length}, median build attempt ${durations[durations.length >> 1]} ms, peak ${peak} at once; ` +
          `${lost.length} given back, the last ${latest} ms after the kill (lease ${LEASE_MS} ms)`,
      );
      const owners = new Set(attempts.filter((a) => a.state === 'built').map((a) => String(a.lease_owner).split(':')[2]));
      if (second) assert.deepEqual([...owners].sort(), [String(first.pid), String(second.pid)].sort(), 'both processes built');

      // Every job's history: one claim per attempt, one publication, nothing else.
      const events = await db.selectFrom('job_events').select(['job_id', 'to_state']).where('job_id', 'in', ids).execute();
      for (const id of ids) {
        const mine = events.filter((e) => e.job_id === id).map((e) => e.to_state);
        assert.equal(mine.filter((s) => s === 'building').length, byJob.get(id)!.length, `job ${id}: one claim per attempt`);
        assert.equal(mine.filter((s) => s === 'published').length, 1);
      }
    } finally {
      await verdict.close();
    }
  },
);

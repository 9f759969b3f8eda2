// An archive reference to zlib, fetched from the real Debian mirror (deb.debian.org) and
// verified with Debian's archive keyring: the default configuration, end to end.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { DEBIAN_ARCHIVE_KEYRING } from '../src/jobs/archive/archive-settings.ts';
import type { FetcherDeps } from '../src/jobs/archive/fetch-archive-job.ts';
import { createFetcherDeps } from '../src/jobs/archive/fetcher-deps.ts';
import { stubdomArches } from './helpers/stubdom-arches.ts';
import { runFetcher } from '../src/jobs/archive/run-fetcher.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitFor } from './helpers/wait-for.ts';

let t: TestApp;
let deps: FetcherDeps;
const requested: string[] = [];

before(async () => {
  t = await createTestApp();
  const config = loadConfig({ DATA_DIR: t.dataDir });
  deps = await createFetcherDeps(config, t.db, t.store, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), stubdomArches);
  const realFetch = deps.http.fetch;
  deps = {
    ...deps,
    http: {
      ...deps.http,
      fetch: (input, init) => {
        requested.push(String(input));
        return realFetch(input, init);
      },
    },
  };
});
after(() => t.close());

async function fetchReference(payload: Record<string, string>) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(t.submitToken), payload });
  assert.equal(res.statusCode, 202, res.body);
  const id: number = res.json().id;
  const mark = requested.length;
  const started = Date.now();
  const fetcher = runFetcher(deps, { pollMs: 50 });
  try {
    // Each request to the mirror is progress; a download in flight counts as one.
    const job = await waitFor(
      'the fetcher to finish',
      async () => {
        const view = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
        return view.state !== 'fetching' ? view : undefined;
      },
      { progress: () => requested.length, stallMs: 180_000, intervalMs: 50 },
    );
    return { job, ms: Date.now() - started, requests: requested.slice(mark) };
  } finally {
    await fetcher.stop();
  }
}

test('zlib is fetched from Debian bookworm, verified with the Debian archive keyring, and queued', async () => {
  assert.equal(deps.archiveKeyring?.path, DEBIAN_ARCHIVE_KEYRING, 'InRelease is verified with debian-archive-keyring');

  const cold = await fetchReference({ source: 'zlib' });
  const { job } = cold;
  console.log(`zlib ${job.version} from bookworm, cold cache: ${cold.ms} ms, ${cold.requests.length} requests`);
  assert.equal(job.state, 'queued', job.reason);
  assert.equal(job.suite, 'bookworm');
  assert.match(job.version, /^1:1\.2\.13\.dfsg-1/);
  assert.ok(job.binaries.includes('zlib1g-dev'), job.binaries.join(' '));
  assert.match(job.buildDepends, /debhelper/);
  const names = (job.files as { name: string }[]).map((f) => f.name);
  assert.ok(names.some((n) => n.endsWith('.dsc')));
  assert.ok(names.some((n) => /\.orig\.tar\./.test(n)));
  assert.ok(names.some((n) => /\.debian\.tar\./.test(n)));
  for (const file of job.files as { name: string; sha256: string; size: number }[]) {
    assert.match(file.sha256, /^[0-9a-f]{64}$/);
    const stored = fs.readFileSync(t.store.pathOf(file.sha256));
    assert.equal(stored.length, file.size, file.name);
    assert.equal(createHash('sha256').update(stored).digest('hex'), file.sha256, file.name);
  }
  assert.deepEqual(job.events.map((e: { from: string | null; to: string; actor: string }) => [e.from, e.to, e.actor]).slice(1), [
    ['fetching', 'queued', 'fetcher'],
  ]);
  assert.ok(cold.requests.some((u) => u.endsWith('/dists/bookworm/InRelease')));
  assert.ok(
    cold.requests.some((u) => /\/main\/source\/(by-hash\/SHA256\/[0-9a-f]{64}|Sources\.xz)$/.test(u)),
    'Sources downloaded',
  );

  // Asked again: the cached Sources is reused; only InRelease and the source files are fetched.
  const warm = await fetchReference({ source: 'zlib', version: job.version });
  console.log(`zlib again, warm cache: ${warm.ms} ms, requests: ${warm.requests.map((u) => new URL(u).pathname).join(' ')}`);
  assert.equal(warm.job.state, 'queued', warm.job.reason);
  assert.deepEqual(warm.job.files, job.files);
  assert.equal(warm.requests.filter((u) => u.includes('/dists/')).length, 1, 'one request for the index: InRelease');
});

test('a version bookworm does not have fails with the versions it has', async () => {
  const { job, ms } = await fetchReference({ source: 'zlib', version: '9.9' });
  console.log(`zlib 9.9: failed in ${ms} ms`);
  assert.equal(job.state, 'failed');
  assert.match(job.reason, /^fetch: version 9\.9 of zlib is not in bookworm \(have 1:1\.2\.13\.dfsg-1/);
});

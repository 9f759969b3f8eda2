// GET /metrics: Prometheus text that an independent parser reads, whose job counts match the
// jobs table; with PUBLIC_READS=false it and the status page need a token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startFarmScenario } from './helpers/farm-scenario.ts';
import { bearer } from './helpers/test-app.ts';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[];
}

test('/metrics parses as Prometheus text, every name prefixed stubbuild_, and stubbuild_jobs matches the jobs table', async (t) => {
  const { app, failed } = await startFarmScenario('metrics');
  t.after(() => app.close());
  const res = await app.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(res.body) as Family[];
  assert.ok(families.length > 10);
  for (const family of families) assert.match(family.name, /^stubbuild_/);

  const jobs = families.find((f) => f.name === 'stubbuild_jobs')!;
  assert.equal(jobs.type, 'GAUGE');
  const rows = await app.db
    .selectFrom('jobs')
    .select(['state', sql<number>`count(*)::int`.as('n')])
    .groupBy('state')
    .execute();
  const fromTable = Object.fromEntries(rows.map((r) => [r.state, r.n]));
  const fromMetrics = Object.fromEntries(jobs.metrics.filter((m) => Number(m.value) > 0).map((m) => [m.labels!.state, Number(m.value)]));
  assert.deepEqual(fromMetrics, fromTable);
  assert.deepEqual(fromMetrics, { failed: 1, building: 1, queued: 1 });

  const names = families.map((f) => f.name);
  for (const name of [
    'stubbuild_attempts_total',
    'stubbuild_infrastructure_faults_total',
    'stubbuild_engine_capacity',
    'stubbuild_engine_running',
    'stubbuild_queue_wait_seconds',
    'stubbuild_build_duration_seconds',
    'stubbuild_publication_duration_seconds',
    'stubbuild_http_requests_total',
  ]) {
    assert.ok(names.includes(name), `${name} is exported`);
  }
  const attempts = families.find((f) => f.name === 'stubbuild_attempts_total')!.metrics;
  assert.deepEqual(
    attempts.map((m) => [m.labels!.outcome, Number(m.value)]),
    [['failed', 1]],
    `the failed job ${failed}'s attempt`,
  );
  const capacity = families.find((f) => f.name === 'stubbuild_engine_capacity')!.metrics;
  assert.deepEqual(
    capacity.map((m) => Number(m.value)),
    [1],
  );
  assert.deepEqual(
    families.find((f) => f.name === 'stubbuild_engine_running')!.metrics.map((m) => Number(m.value)),
    [1],
  );

  // HTTP requests are counted by route: the scrape just made is there at the next one.
  const again = parsePrometheusTextFormat((await app.app.inject({ method: 'GET', url: '/metrics' })).body) as Family[];
  const http = again.find((f) => f.name === 'stubbuild_http_requests_total')!.metrics;
  assert.ok(http.some((m) => m.labels!.route === '/metrics' && m.labels!.status === '200' && Number(m.value) >= 1));
});

test('with PUBLIC_READS=false, /metrics and the status page need a token (bearer, or the Basic password for a browser)', async (t) => {
  const { app } = await startFarmScenario('private', { PUBLIC_READS: 'false' });
  t.after(() => app.close());
  const anonymous = await app.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json().type, 'urn:stubbuild:problem:unauthenticated');
  const page = await app.app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 401);
  assert.match(String(page.headers['www-authenticate']), /^Basic realm="stubbuild"/);
  assert.equal((await app.app.inject({ method: 'GET', url: '/metrics', headers: bearer(app.submitToken) })).statusCode, 200);
  const basic = `Basic ${Buffer.from(`anyone:${app.submitToken}`).toString('base64')}`;
  const signedIn = await app.app.inject({ method: 'GET', url: '/', headers: { authorization: basic } });
  assert.equal(signedIn.statusCode, 200);
  assert.match(String(signedIn.headers['content-type']), /^text\/html/);
  assert.equal((await app.app.inject({ method: 'GET', url: '/', headers: { authorization: 'Basic Zm9vOmJhcg==' } })).statusCode, 401);
});

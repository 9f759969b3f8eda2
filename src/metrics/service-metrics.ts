// Prometheus metrics (prom-client), every name prefixed `stubbuild_`. What the database knows
// (jobs by state, attempts and faults by engine, pending webhook deliveries) is read from it
// at scrape time, so every replica answers the same; what happens in this process (queue wait
// and build duration of the attempts it ran, publications, HTTP requests) is counted here.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type {} from '../db/operations-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { jobStates } from '../jobs/job-states.ts';
import type { AttemptEnded } from '../scheduler/dispatcher.ts';
import type { EnginePool } from '../scheduler/engine-pool.ts';

// From seconds to days: a queue drains in seconds or waits for hours; builds take minutes.
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
const BUILD_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

export class ServiceMetrics {
  readonly registry = new Registry();
  private engines: Pick<EnginePool, 'list'> | undefined;
  private readCache: { readonly answered: { hit: number; miss: number } } | undefined;
  private readonly queueWait: Histogram<'outcome'>;
  private readonly buildDuration: Histogram<'outcome'>;
  private readonly publication: Histogram<'outcome'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(private readonly db: Db) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'stubbuild_' });
    // The gauges' collect() runs with `this` the gauge: the database and engines are read here.
    const database = this.db;
    const engines = () => this.engines;
    const readCache = () => this.readCache;

    new Counter({
      name: 'stubbuild_job_read_cache_answers_total',
      help: 'Job reads (GET /v1/jobs/{id}, GET /v1/jobs) answered from memory (hit) or from the database (miss)',
      labelNames: ['result'],
      registers,
      collect() {
        const cache = readCache();
        if (!cache) return;
        this.reset();
        this.inc({ result: 'hit' }, cache.answered.hit);
        this.inc({ result: 'miss' }, cache.answered.miss);
      },
    });

    new Gauge({
      name: 'stubbuild_jobs',
      help: 'Jobs by state, read from the jobs table at scrape time',
      labelNames: ['state'],
      registers,
      async collect() {
        const rows = await database
          .selectFrom('jobs')
          .select(['state', sql<number>`count(*)::int`.as('n')])
          .groupBy('state')
          .execute();
        for (const state of jobStates) this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
      },
    });
    new Counter({
      name: 'stubbuild_attempts_total',
      help: 'Finished build attempts by engine and how they ended (built, failed, dep-wait, infrastructure, aborted)',
      labelNames: ['engine', 'outcome'],
      registers,
      async collect() {
        const rows = await database
          .selectFrom('attempts')
          .select(['engine_id', 'state', sql<number>`count(*)::int`.as('n')])
          .where('state', '!=', 'running')
          .groupBy(['engine_id', 'state'])
          .execute();
        this.reset();
        for (const r of rows) this.inc({ engine: r.engine_id, outcome: r.state }, r.n);
      },
    });
    new Counter({
      name: 'stubbuild_infrastructure_faults_total',
      help: 'Attempts ended by an infrastructure fault, by engine and whom it was put on (engine, lease-expired, job-blamed)',
      labelNames: ['engine', 'kind'],
      registers,
      async collect() {
        const rows = await database
          .selectFrom('attempts')
          .select(['engine_id', 'reason', sql<number>`count(*)::int`.as('n')])
          .where('state', '=', 'infrastructure')
          .groupBy(['engine_id', 'reason'])
          .execute();
        this.reset();
        for (const r of rows) this.inc({ engine: r.engine_id, kind: r.reason ?? 'unknown' }, r.n);
      },
    });
    const engineGauge = (name: string, help: string, value: (e: Awaited<ReturnType<EnginePool['list']>>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['engine'],
        registers,
        async collect() {
          this.reset();
          for (const engine of (await engines()?.list()) ?? []) this.set({ engine: engine.id }, value(engine));
        },
      });
    engineGauge('stubbuild_engine_capacity', 'Attempts each builder engine runs at once', (e) => e.capacity);
    engineGauge('stubbuild_engine_running', 'Attempts running on each engine now, by every service process', (e) => e.running);
    engineGauge('stubbuild_engine_healthy', '1 when the engine answers and has the builder image', (e) => (e.healthy ? 1 : 0));
    engineGauge('stubbuild_engine_drained', '1 when the engine takes no new attempts', (e) => (e.drained ? 1 : 0));
    new Gauge({
      name: 'stubbuild_webhook_deliveries_pending',
      help: 'Webhook deliveries not yet made',
      registers,
      async collect() {
        const { n } = await database
          .selectFrom('webhook_deliveries')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('state', '=', 'pending')
          .executeTakeFirstOrThrow();
        this.set(n);
      },
    });

    this.queueWait = new Histogram({
      name: 'stubbuild_queue_wait_seconds',
      help: 'From joining the queue to the start of the attempt, for attempts this process ran, by how the attempt ended',
      labelNames: ['outcome'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.buildDuration = new Histogram({
      name: 'stubbuild_build_duration_seconds',
      help: 'Length of the build attempts this process ran, by how they ended',
      labelNames: ['outcome'],
      buckets: BUILD_BUCKETS,
      registers,
    });
    this.publication = new Histogram({
      name: 'stubbuild_publication_duration_seconds',
      help: "Publishing a build's packages into the apt repository, by outcome (published, failed)",
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'stubbuild_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'stubbuild_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (a followed log counts until it ends), by method and route',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
      registers,
    });
  }

  /** The engines whose capacity, use and health are reported. */
  watchEngines(engines: Pick<EnginePool, 'list'> | undefined): void {
    this.engines = engines;
  }

  /** The cache of job reads whose hits and misses are reported. */
  watchReadCache(cache: { readonly answered: { hit: number; miss: number } } | undefined): void {
    this.readCache = cache;
  }

  /** An attempt this process ran has ended: its queue wait and duration, read back from the database. */
  async recordAttempt(ended: AttemptEnded): Promise<void> {
    const row = await this.db
      .selectFrom('attempts as a')
      .innerJoin('jobs as j', 'j.id', 'a.job_id')
      .select(['a.state', 'a.started_at', 'a.finished_at', 'j.queued_at'])
      .where('a.job_id', '=', ended.jobId)
      .where('a.number', '=', ended.attempt)
      .executeTakeFirst();
    if (!row) return;
    const outcome = row.state === 'running' ? ended.outcome : row.state;
    this.queueWait.observe({ outcome }, Math.max(0, (row.started_at.getTime() - row.queued_at.getTime()) / 1000));
    const finished = row.finished_at ?? new Date();
    this.buildDuration.observe({ outcome }, Math.max(0, (finished.getTime() - row.started_at.getTime()) / 1000));
  }

  observePublication(seconds: number, outcome: 'published' | 'failed'): void {
    this.publication.observe({ outcome }, seconds);
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

// The farm at a glance: the status page at `/` and Prometheus metrics at `/metrics`. Both are
// reads: anonymous while PUBLIC_READS is true, a token otherwise (the page also takes it as
// the password of HTTP Basic, so a browser can sign in).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import type { ServiceMetrics } from '../../metrics/service-metrics.ts';
import type { ExplainDeps } from '../../scheduler/explain-job.ts';
import { getFarmStatus } from '../../status/farm-status.ts';
import { problemResponses } from '../schemas/problem.ts';
import { renderStatusPage } from '../status-page/render-status-page.ts';

export interface FarmViewOptions {
  db: Db;
  metrics: ServiceMetrics;
  explain: Omit<ExplainDeps, 'now'>;
  repo: { suite: string; component: string; arches: string[] };
  refreshSeconds: number;
}

export const farmViewRoutes: FastifyPluginAsyncZod<FarmViewOptions> = async (app, { db, metrics, explain, repo, refreshSeconds }) => {
  app.get(
    '/',
    {
      config: { access: 'read', challenge: 'basic' },
      schema: {
        tags: ['service'],
        summary: 'Status page',
        description:
          'The farm at a glance, as HTML for people (phones too): what is building and on which engine, the queue ' +
          'with why each job waits, recent results with links to their logs and packages, the engines and their ' +
          'health, and the apt line with the key. It refreshes itself. Anonymous while PUBLIC_READS is true; ' +
          'otherwise a token, as a bearer token or as the password of HTTP Basic.',
        response: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } }, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const status = await getFarmStatus(db, { explain, engines: explain.engines });
      const page = renderStatusPage(status, {
        baseUrl: `${request.protocol}://${request.host}`,
        suite: repo.suite,
        component: repo.component,
        arches: repo.arches,
        refreshSeconds,
        now: new Date(),
      });
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics',
        description:
          'Prometheus text format, every name prefixed `stubbuild_`: `stubbuild_jobs{state}` (read from the jobs table ' +
          'at each scrape), `stubbuild_attempts_total{engine,outcome}` and `stubbuild_infrastructure_faults_total{engine,kind}` ' +
          '(from the database), engine capacity, use, health and drain (`stubbuild_engine_*`), pending webhook deliveries, ' +
          "and this process's histograms of queue wait and build duration by outcome (`stubbuild_queue_wait_seconds`, " +
          '`stubbuild_build_duration_seconds`), publication duration, HTTP requests by route and status, and the Node.js ' +
          'process. Anonymous while PUBLIC_READS is true; otherwise a token.',
        response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } }, ...problemResponses(401) },
      },
    },
    async (_request, reply) => {
      const { text, contentType } = await metrics.scrape();
      return reply.type(contentType).send(text);
    },
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import type { Repository } from '../../repo/repository.ts';
import { listPendingMigrations } from '../../db/migrate.ts';
import { problemResponses } from '../schemas/problem.ts';
import { HttpProblem } from '../problem.ts';

export const healthRoutes: FastifyPluginAsyncZod<{ db: Db; repo: Repository }> = async (app, { db, repo }) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['service'],
        summary: 'Liveness',
        description: 'Answers 200 while the process is up; checks nothing else.',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['service'],
        summary: 'Readiness',
        description:
          'Answers 200 when the database answers, every migration this code knows is applied and the apt ' +
          'repository can be written; 503 otherwise (a failed publication is retried by itself).',
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), ...problemResponses(503) },
      },
    },
    async () => {
      let pending: string[];
      try {
        pending = await listPendingMigrations(db);
      } catch {
        throw new HttpProblem(503, 'not-ready', 'the database does not answer');
      }
      if (pending.length > 0) throw new HttpProblem(503, 'not-ready', `migrations not applied: ${pending.join(', ')}`);
      const failure = repo.publisher.publicationFailure;
      if (failure)
        throw new HttpProblem(
          503,
          'not-ready',
          `the apt repository cannot be written since ${failure.since.toISOString()}: ${failure.message}`,
        );
      return { status: 'ready' as const };
    },
  );
};

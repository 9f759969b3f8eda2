import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { listPendingMigrations } from '../../db/migrate.ts';
import { problemResponses } from '../schemas/problem.ts';
import { HttpProblem } from '../problem.ts';

export const healthRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
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
        description: 'Answers 200 when the database answers and every migration this code knows is applied; 503 otherwise.',
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
      return { status: 'ready' as const };
    },
  );
};

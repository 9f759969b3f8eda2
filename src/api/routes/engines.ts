import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnginePool, EngineView } from '../../scheduler/engine-pool.ts';
import { problemResponses } from '../schemas/problem.ts';

const engineSchema = z
  .object({
    id: z.string(),
    capacity: z.number().int().describe('Attempts the engine runs at once'),
    healthy: z.boolean().describe('The engine answers and has the builder image of at least one architecture'),
    arches: z.array(z.string()).describe('The architectures whose builder image it has: the jobs it can take'),
    detail: z
      .string()
      .describe(
        'What the health check found; when unhealthy, why: a TLS handshake the engine or the service refused (naming the certificate), a refused connection, a failed SSH login, a missing builder image',
      ),
    drained: z.boolean().describe('No new attempts start on a drained engine'),
    drainReason: z.string().nullable(),
    running: z.number().int().describe('Attempts running on it now'),
  })
  .meta({ id: 'Engine' });

const engineParams = z.strictObject({ id: z.string().min(1).max(100).describe('The engine id') });

function present(view: EngineView): z.input<typeof engineSchema> {
  return view;
}

export const engineRoutes: FastifyPluginAsyncZod<{ pool: EnginePool }> = async (app, { pool }) => {
  app.get(
    '/admin/engines',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['engines'],
        summary: 'List builder engines',
        description: 'Every configured Docker engine with its capacity, health, drain state and running attempts.',
        response: { 200: z.object({ items: z.array(engineSchema) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: (await pool.list()).map(present) }),
  );

  app.post(
    '/admin/engines/:id/drain',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['engines'],
        summary: 'Drain an engine',
        description: 'Stops new attempts on the engine; attempts already running finish. Every replica honours it.',
        params: engineParams,
        body: z.strictObject({ reason: z.string().min(1).max(500).optional() }).optional(),
        response: { 200: engineSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      present(await pool.setDrained(request.params.id, true, request.body?.reason ?? `drained by token ${request.token?.id}`)),
  );

  app.post(
    '/admin/engines/:id/resume',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['engines'],
        summary: 'Resume an engine',
        description: 'Lets the engine take new attempts again, whoever drained it and why.',
        params: engineParams,
        response: { 200: engineSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => present(await pool.setDrained(request.params.id, false, null)),
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookUrl } from '../../config/config.ts';
import type { Db } from '../../db/in-transaction.ts';
import { createWebhook, deleteWebhook, listWebhooks } from '../../webhooks/webhooks.ts';
import { requireToken } from '../auth.ts';
import { problemResponses } from '../schemas/problem.ts';

const webhookBody = z
  .strictObject({
    url: webhookUrl.describe('Where every job state change is POSTed (http or https; loopback allowed)'),
    secret: z.string().min(16).max(200).optional().describe('Key of the HMAC-SHA256 signature; generated when absent'),
  })
  .meta({ id: 'NewWebhook' });

const createdSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    secret: z.string().describe('Shown only in this answer'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'CreatedWebhook' });

const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    origin: z.enum(['api', 'config']).describe('Added through this API, or configured by WEBHOOKS'),
    createdAt: z.iso.datetime(),
    pending: z.number().int().describe('Deliveries waiting to be made or retried'),
    lastError: z.string().nullable().describe('Why the latest failed try of a pending delivery failed'),
  })
  .meta({ id: 'Webhook' });

export const webhookRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/admin/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook',
        description:
          'Every job state change from now on is POSTed to `url` as JSON `{deliveryId, jobId, from, to, reason, at, job}` ' +
          'with headers `X-Stubbuild-Delivery: <deliveryId>` and `X-Stubbuild-Signature: sha256=<hex HMAC-SHA256 of the ' +
          'raw body, keyed with the secret>`. A 2xx answer counts as delivered; anything else (or no answer within ' +
          'WEBHOOK_TIMEOUT) is retried after WEBHOOK_BACKOFF, doubling, up to WEBHOOK_MAX_ATTEMPTS tries. Deliveries ' +
          "are kept in the database (a restart loses none), each job's in order; a delivery may arrive twice, so " +
          'receivers deduplicate by its id. Answers 201 with the secret, shown only here.',
        body: webhookBody,
        response: { 201: createdSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await createWebhook(db, { ...request.body, createdBy: requireToken(request).id });
      return reply.code(201).send({ ...created, createdAt: created.createdAt.toISOString() });
    },
  );

  app.get(
    '/admin/webhooks',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'List webhooks',
        description: 'Every webhook, added through the API or configured (WEBHOOKS), with its pending deliveries; never the secrets.',
        response: { 200: z.object({ items: z.array(webhookSchema) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: (await listWebhooks(db)).map((w) => ({ ...w, createdAt: w.createdAt.toISOString() })) }),
  );

  app.delete(
    '/admin/webhooks/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook',
        description: 'Removes the webhook and its pending deliveries at once. A configured one (WEBHOOKS) comes back at the next start.',
        params: z.strictObject({ id: z.uuid().describe('The webhook id') }),
        response: { 204: z.undefined().describe('Removed'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteWebhook(db, request.params.id);
      return reply.code(204).send();
    },
  );
};

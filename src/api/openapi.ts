import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * fastify-type-provider-zod converts a body given as one zod schema; routes that take several
 * media types give `body: { content: { type: { schema, document? } } }`, converted here
 * (`document`, when given, describes a body the handler streams instead of validating).
 */
function transformRoute(document: TransformInput) {
  const body = (document.schema as { body?: unknown } | undefined)?.body;
  if (!body || typeof body !== 'object' || !('content' in body)) return jsonSchemaTransform(document);
  const { body: _body, ...rest } = document.schema as Record<string, unknown>;
  const transformed = jsonSchemaTransform({ ...document, schema: rest } as TransformInput);
  const content = Object.fromEntries(
    Object.entries((body as { content: Record<string, { schema: z.ZodType; document?: z.ZodType }> }).content).map(
      ([type, { schema, document }]) => [
        type,
        { schema: z.toJSONSchema(document ?? schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) },
      ],
    ),
  );
  return { ...transformed, schema: { ...transformed.schema, body: { content } } };
}

export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'stubbuild',
        version,
        description:
          'Build service and signed apt repository for Debian partial architectures of Xen stub domains. ' +
          'Errors are RFC 9457 application/problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token from `stubbuild token create` or POST /v1/admin/tokens' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'jobs', description: 'Build jobs' },
        { name: 'batches', description: 'Several source packages built in the order their build-dependencies need' },
        { name: 'packages', description: 'The apt repository: what it publishes, seeding it with .debs, removing packages (admin)' },
        { name: 'engines', description: 'Docker engines that run builds (admin)' },
        { name: 'tokens', description: 'API tokens (admin)' },
        { name: 'webhooks', description: 'Receivers of every job state change (admin)' },
        { name: 'service', description: 'Health and documentation' },
      ],
    },
    transform: transformRoute,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get(
    '/openapi.json',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
      },
    },
    async () => app.swagger(),
  );
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { createToken, listTokens, revokeToken, type TokenInfo, tokenRoles } from '../../tokens/tokens.ts';
import { requireToken } from '../auth.ts';
import { HttpProblem } from '../problem.ts';
import { problemResponses } from '../schemas/problem.ts';

const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    role: z.enum(tokenRoles),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    sources: z.array(z.string()).nullable().describe('Source names (globs) the token may submit; null: any'),
  })
  .meta({ id: 'Token' });

const createdTokenSchema = tokenSchema
  .extend({ token: z.string().describe('The secret; shown only in this answer') })
  .meta({ id: 'CreatedToken' });

const createTokenBody = z.strictObject({
  role: z
    .enum(tokenRoles)
    .describe('read: read jobs and the apt repository (for apt clients with REPO_AUTH=basic); submit: also create jobs; admin: everything'),
  name: z.string().min(1).max(200).optional().describe('What the token is for, e.g. "ci-xen"'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('When the token stops working'),
  sources: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9*?][a-z0-9+.*?-]*$/, 'must be a source package name, with * and ? as wildcards')
        .max(200),
    )
    .min(1)
    .max(100)
    .optional()
    .describe('Source names the token may submit, with `*` and `?` as wildcards, e.g. ["lib*", "zlib"]; default: any'),
});

function presentToken(token: TokenInfo) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    sources: token.sources,
  };
}

export const tokenRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/admin/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Create a token',
        description: 'Answers the new token with its secret; the secret is never shown again (only its hash is kept).',
        body: createTokenBody,
        response: { 201: createdTokenSchema, ...problemResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const { role, name, expiresAt, sources } = request.body;
      const expires = expiresAt ? new Date(expiresAt) : null;
      if (expires && expires.getTime() <= Date.now()) {
        throw new HttpProblem(400, 'validation', 'expiresAt must be in the future');
      }
      const created = await createToken(db, {
        role,
        name: name ?? null,
        expiresAt: expires,
        createdBy: requireToken(request).id,
        sources: sources ?? null,
      });
      return reply.code(201).send({ ...presentToken(created), token: created.token });
    },
  );

  app.get(
    '/admin/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'List tokens',
        description: 'Every token, revoked and expired ones included; never the secrets.',
        response: { 200: z.object({ items: z.array(tokenSchema) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: (await listTokens(db)).map(presentToken) }),
  );

  app.delete(
    '/admin/tokens/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token',
        description: 'The token is refused from the next request on. The record stays, for the jobs it submitted.',
        params: z.strictObject({ id: z.uuid().describe('The token id') }),
        response: { 200: tokenSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => presentToken(await revokeToken(db, request.params.id)),
  );
};

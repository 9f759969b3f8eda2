import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/in-transaction.ts';
import { authenticateToken, type TokenInfo } from '../tokens/tokens.ts';
import { HttpProblem } from './problem.ts';

/** Who may call a route: anyone, readers (anonymous when PUBLIC_READS), submitters, admins. Token roles rank read < submit < admin. */
export type Access = 'public' | 'read' | 'submit' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** `basic`: a refusal asks for HTTP Basic (a browser then prompts; the token is the password). */
    challenge?: 'bearer' | 'basic';
  }
  interface FastifyRequest {
    token: TokenInfo | null;
  }
}

const bearer = { 'www-authenticate': 'Bearer realm="stubbuild"' };
const basic = { 'www-authenticate': 'Basic realm="stubbuild", charset="UTF-8"' };

/** The token presented: `Bearer <token>`, or (for browsers) HTTP Basic with the token as the password. */
function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match) return match[1];
  const basicMatch = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  const decoded = basicMatch ? Buffer.from(basicMatch[1]!, 'base64').toString('utf8') : '';
  if (decoded.includes(':') && decoded.slice(decoded.indexOf(':') + 1) !== '') return decoded.slice(decoded.indexOf(':') + 1);
  throw new HttpProblem(
    401,
    'unauthenticated',
    'the Authorization header must be "Bearer <token>" (or HTTP Basic with the token as the password)',
    challengeOf(request),
  );
}

function challengeOf(request: FastifyRequest): Record<string, string> {
  return request.routeOptions.config.challenge === 'basic' ? basic : bearer;
}

/**
 * Checks the bearer token before the body is read, so nobody streams an upload to be refused
 * afterwards. A route without `config.access` is admin-only: forgetting it fails closed.
 */
export function installAuthentication(app: FastifyInstance, options: { db: Db; publicReads: boolean }): void {
  app.decorateRequest('token', null);
  // A callback, not an async hook: an anonymous read then costs no promise at all.
  app.addHook('onRequest', (request, _reply, done) => {
    const access = request.routeOptions.config.access ?? 'admin';
    if (access === 'public') return done();
    const secret = presentedSecret(request);
    if (secret === undefined) {
      if (access === 'read' && options.publicReads) return done();
      return done(new HttpProblem(401, 'unauthenticated', 'this request needs a bearer token', challengeOf(request)));
    }
    checkToken(options.db, request, secret, access).then(() => done(), done);
  });
}

async function checkToken(db: Db, request: FastifyRequest, secret: string, access: Access): Promise<void> {
  const check = await authenticateToken(db, secret);
  if (!check.ok) {
    const why = { unknown: 'is not known', expired: 'has expired', revoked: 'has been revoked' }[check.why];
    throw new HttpProblem(401, 'unauthenticated', `the token ${why}`, challengeOf(request));
  }
  request.token = check.token;
  if (access === 'admin' && check.token.role !== 'admin') {
    throw new HttpProblem(403, 'forbidden', 'this request needs a token with the admin role');
  }
  if (access === 'submit' && check.token.role === 'read') {
    throw new HttpProblem(403, 'forbidden', 'this request needs a token with the submit or admin role; this one may only read');
  }
}

/** The token of an authenticated request; routes with access submit/admin always have one. */
export function requireToken(request: FastifyRequest): TokenInfo {
  if (!request.token) throw new HttpProblem(401, 'unauthenticated', 'this request needs a bearer token', bearer);
  return request.token;
}

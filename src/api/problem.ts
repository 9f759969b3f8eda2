import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, type DomainErrorCode } from '../domain-error.ts';
import { PublicationPendingError } from '../repo/publish/publish-repository.ts';
import { RepoError, type RepoErrorCode } from '../repo/repo-error.ts';

/** An HTTP-level refusal raised in src/api (authentication, content negotiation). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const domainStatus: Record<DomainErrorCode, number> = {
  'not-found': 404,
  'invalid-input': 400,
  'illegal-transition': 409,
  'idempotency-conflict': 422,
  'invalid-source': 422,
  'too-large': 413,
  'unsupported-architecture': 422,
  'bad-signature': 422,
  'unknown-suite': 422,
  'invalid-batch': 422,
  'dependency-cycle': 422,
  forbidden: 403,
  'binary-owned': 422,
  'too-many-requests': 429,
  'too-slow': 408,
};

// A refused package: broken or hostile input is 422, a size limit 413, a clash with what the
// repository holds 409.
const repoStatus: Record<RepoErrorCode, number> = {
  'not-ar': 422,
  'bad-member': 422,
  'missing-control': 422,
  'missing-data': 422,
  'bad-control': 422,
  'bad-dsc': 422,
  'missing-field': 422,
  'wrong-architecture': 422,
  'too-large': 413,
  'bad-name': 422,
  'bad-version': 422,
  'bad-path': 422,
  'pool-conflict': 409,
  'version-conflict': 409,
  'changed-meanwhile': 409,
  'not-found': 404,
  ownership: 422,
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Fastify's and @fastify/multipart's own error codes, named for clients.
const fastifySlugs: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-content-length',
  FST_REQ_FILE_TOO_LARGE: 'too-large',
  FST_FILES_LIMIT: 'too-many-files',
  FST_PARTS_LIMIT: 'too-many-parts',
  FST_FIELDS_LIMIT: 'too-many-fields',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported-media-type',
  FST_MP_PREMATURE_CLOSE: 'malformed-multipart',
};

// Other libraries' refusals (the static server's 403, say), named by their status.
const statusSlugs: Record<number, string> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  408: 'request-timeout',
  413: 'too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
};

export function problemType(slug: string): string {
  return `urn:stubbuild:problem:${slug}`;
}

function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  slug: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  // A refusal before the body was read (a slow or excess upload): the rest is not waited for.
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: problemType(slug),
      title: titles[status] ?? 'Error',
      status,
      detail,
      instance: request.url,
      ...extra,
    });
}

/** Every 4xx/5xx leaves as RFC 9457 problem+json; 5xx bodies never carry internals. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'route-not-found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        location: error.validationContext ?? 'request',
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: v.message ?? 'invalid',
      }));
      const detail = errors.map((e) => `${e.location}${e.path ? `.${e.path}` : ''}: ${e.message}`).join('; ');
      return sendProblem(reply, request, 400, 'validation', detail, { errors });
    }
    if (error instanceof DomainError) {
      return sendProblem(reply, request, domainStatus[error.code], error.code, error.message, error.details);
    }
    if (error instanceof RepoError) {
      return sendProblem(reply, request, repoStatus[error.code], error.code, error.message);
    }
    if (error instanceof PublicationPendingError) {
      request.log.error({ err: error }, 'publication failed after the packages were added');
      return sendProblem(reply, request, 503, 'publication-pending', error.message, { generation: error.generation });
    }
    if (error instanceof HttpProblem) {
      reply.headers(error.headers);
      return sendProblem(reply, request, error.status, error.slug, error.message);
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const slug = (error.code && fastifySlugs[error.code]) ?? statusSlugs[status] ?? 'bad-request';
      return sendProblem(reply, request, status, slug, error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, request, status >= 500 ? status : 500, 'internal', 'the service could not complete the request');
  });
}

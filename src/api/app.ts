import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import { installAuthentication } from './auth.ts';
import { installOpenApi } from './openapi.ts';
import { installProblemHandlers } from './problem.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { tokenRoutes } from './routes/tokens.ts';

export interface AppDependencies {
  db: Db;
  store: SourceStore;
  config: Pick<
    Config,
    'PUBLIC_READS' | 'MAX_JSON_BYTES' | 'MAX_UPLOAD_FILE_BYTES' | 'MAX_UPLOAD_TOTAL_BYTES' | 'MAX_UPLOAD_FILES'
  >;
  /** Omitted: no request logging (tests). */
  logger?: FastifyBaseLogger;
  version?: string;
}

/** The whole HTTP service as a Fastify instance; `serve` listens on it, tests inject into it. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { db, store, config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : {}),
    bodyLimit: config.MAX_JSON_BYTES,
    // Clients send their own ids for correlation; otherwise Fastify counts.
    requestIdHeader: 'x-request-id',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  // Only JSON and multipart bodies are accepted; anything else is 415.
  app.removeContentTypeParser(['text/plain']);
  await app.register(multipart, {
    limits: {
      fileSize: config.MAX_UPLOAD_FILE_BYTES,
      files: config.MAX_UPLOAD_FILES,
      fields: 0,
      parts: config.MAX_UPLOAD_FILES,
      headerPairs: 100,
    },
  });
  await installOpenApi(app, deps.version ?? '0.0.0');

  await app.register(healthRoutes, { db });
  await app.register(
    async (v1) => {
      installAuthentication(v1, { db, publicReads: config.PUBLIC_READS });
      await v1.register(jobRoutes, {
        db,
        store,
        uploadLimits: { maxFileBytes: config.MAX_UPLOAD_FILE_BYTES, maxTotalBytes: config.MAX_UPLOAD_TOTAL_BYTES },
      });
      await v1.register(tokenRoutes, { db });
    },
    { prefix: '/v1' },
  );
  return app;
}

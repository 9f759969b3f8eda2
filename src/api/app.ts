import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/in-transaction.ts';
import { archiveSuitesFromConfig } from '../jobs/archive/archive-settings.ts';
import { artifactsDirOf } from '../jobs/artifact-files.ts';
import { loadKeyring } from '../jobs/openpgp-keyring.ts';
import type { DebianSourceNames } from '../jobs/archive/debian-source-names.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import { QueuePlaces } from '../scheduler/queue-places.ts';
import { AccessLog } from './access-log.ts';
import { installAuthentication } from './auth.ts';
import { installOpenApi } from './openapi.ts';
import { installProblemHandlers } from './problem.ts';
import type { UploadLimits } from './receive-upload.ts';
import { UploadGate } from './upload-gate.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { batchRoutes } from './routes/batches.ts';
import { aptRoutes } from './routes/apt.ts';
import { packageRoutes } from './routes/packages.ts';
import { Repository, repositorySettings, type RepositoryConfig } from '../repo/repository.ts';
import { sourceRoutes } from './routes/sources.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { engineRoutes } from './routes/engines.ts';
import { jobOutputRoutes } from './routes/job-outputs.ts';
import { jobPriorityRoutes } from './routes/job-priority.ts';
import { jobActionRoutes } from './routes/job-actions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { farmViewRoutes } from './routes/farm-views.ts';
import { ServiceMetrics } from '../metrics/service-metrics.ts';
import { JobWakeups, type ListenForPayload } from '../jobs/job-wakeups.ts';
import type { WriteWatch } from '../db/write-watch.ts';
import { JobReadCache } from './job-read-cache.ts';
import type { EnginePool } from '../scheduler/engine-pool.ts';
import { BUILD_ARCH } from '../scheduler/dep-wait.ts';
import { type ArchProfile, buildArchitecturesOf } from '../builders/arch-profile.ts';

const CLOSE_GRACE_MS = 10_000;

export interface AppDependencies {
  db: Db;
  store: SourceStore;
  config: Pick<
    Config,
    | 'PUBLIC_READS'
    | 'DATA_DIR'
    | 'MAX_JSON_BYTES'
    | 'MAX_UPLOAD_FILE_BYTES'
    | 'MAX_UPLOAD_TOTAL_BYTES'
    | 'MAX_UPLOAD_FILES'
    | 'REQUEST_TIMEOUT'
    | 'UPLOAD_MIN_BYTES_PER_SECOND'
    | 'UPLOAD_RATE_WINDOW'
    | 'MAX_UPLOADS_PER_TOKEN'
    | 'MAX_STAGING_BYTES'
    | 'MAX_LOG_FOLLOWERS'
    | 'READ_CACHE_BYTES'
    | 'LOG_FOLLOW_POLL'
    | 'UPLOADER_KEYRING'
    | 'ARCHIVE_MIRROR'
    | 'ARCHIVE_SECURITY_MIRROR'
    | 'ARCHIVE_SUITES'
    | 'ARCHIVE_SECURITY_SUITES'
    | 'SCHEDULER_AGEING'
  > &
    RepositoryConfig &
    Pick<Config, 'REPO_AUTH'>;
  /** The profiles of the architectures the service builds for (ARCHES), the default first. */
  profiles: readonly ArchProfile[];
  /** The opened apt repository. Omitted: one that is never opened (enough for the OpenAPI document). */
  repo?: Repository;
  /** The builder engines; omitted: the engine routes are not served (no building here). */
  engines?: EnginePool;
  /** Names the Debian source of a package nobody builds, in dep-wait explanations. */
  debianSources?: Pick<DebianSourceNames, 'sourcesOf'>;
  /** Where the service counts; omitted: metrics of its own (tests). */
  metrics?: ServiceMetrics;
  /** NOTIFY wake-ups (DatabaseHandle.listen); omitted: log followers poll, job reads are not cached. */
  listen?: ListenForPayload | undefined;
  /** This process's writes (DatabaseHandle.writes), which the cache of job reads forgets by at once. */
  writes?: WriteWatch | undefined;
  /** Omitted: no request logging (tests). */
  logger?: FastifyBaseLogger;
  version?: string;
}

/** The whole HTTP service as a Fastify instance; `serve` listens on it, tests inject into it. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { db, store, config } = deps;
  const repo = deps.repo ?? new Repository(repositorySettings(config), { lock: 'in-process' });
  // Read once here, at start: a bad keyring stops the start instead of failing each upload.
  const uploaderKeyring = config.UPLOADER_KEYRING ? await loadKeyring(config.UPLOADER_KEYRING) : undefined;
  const archives = archiveSuitesFromConfig(config);
  const arches = buildArchitecturesOf(deps.profiles);
  const profileOf = (arch: string) => deps.profiles.find((p) => p.arch === arch)!;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : {}),
    bodyLimit: config.MAX_JSON_BYTES,
    // The whole request, body included, must arrive within this; Node answers 408 and closes.
    requestTimeout: config.REQUEST_TIMEOUT,
    // Clients send their own ids for correlation; otherwise Fastify counts.
    requestIdHeader: 'x-request-id',
    logController: new AccessLog(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  // Only JSON bodies are accepted, and multipart by the upload routes (withMultipart); anything else is 415.
  app.removeContentTypeParser(['text/plain']);
  await installOpenApi(app, deps.version ?? '0.0.0');
  const uploadLimits: UploadLimits = {
    maxFileBytes: config.MAX_UPLOAD_FILE_BYTES,
    maxTotalBytes: config.MAX_UPLOAD_TOTAL_BYTES,
    maxFiles: config.MAX_UPLOAD_FILES,
    gate: new UploadGate({ maxPerToken: config.MAX_UPLOADS_PER_TOKEN, maxStagingBytes: config.MAX_STAGING_BYTES }),
    rate: { minBytesPerSecond: config.UPLOAD_MIN_BYTES_PER_SECOND, windowMs: config.UPLOAD_RATE_WINDOW },
  };
  // An upload's slot and staging bytes are held until its answer has gone (or the client went).
  // Hooks that run on every request take a callback rather than return a promise: a short read
  // is cheap enough that a promise and a microtask per hook show in its cost.
  app.addHook('onResponse', (request, _reply, done) => {
    request.uploadTicket?.release();
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    request.uploadTicket?.release();
    done();
  });
  // Closing waits for requests in flight, but not for ever: after a grace period the remaining
  // connections (a stalled upload, a client that left a stream half-closed) are cut.
  app.addHook('preClose', async () => {
    setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS).unref();
  });

  const explain = {
    suite: repo.settings.suite,
    buildArch: BUILD_ARCH,
    engines: deps.engines,
    ageingMs: config.SCHEDULER_AGEING,
    debianSourcesOf: deps.debianSources && ((binary: string) => deps.debianSources!.sourcesOf(binary)),
    queuePlaces: new QueuePlaces(db, config.SCHEDULER_AGEING),
  };
  const readCache = deps.listen && config.READ_CACHE_BYTES > 0 ? new JobReadCache(config.READ_CACHE_BYTES) : undefined;
  if (readCache && deps.listen) {
    await readCache.start(deps.listen, deps.writes);
    app.addHook('onClose', () => readCache.stop());
    // The writer's next read must see its write, whether or not the NOTIFY has arrived yet.
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') readCache.forgetAll();
      done(null, payload);
    });
  }
  const wakeups = new JobWakeups(deps.listen);
  app.addHook('onClose', () => wakeups.close());
  // Without notifications a follower polls as often as it did before they existed.
  const following = { wakeups, pollMs: deps.listen ? config.LOG_FOLLOW_POLL : Math.min(config.LOG_FOLLOW_POLL, 1000) };
  const metrics = deps.metrics ?? new ServiceMetrics(db);
  metrics.watchEngines(deps.engines);
  metrics.watchReadCache(readCache);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  await app.register(healthRoutes, { db, repo });
  await app.register(async (views) => {
    installAuthentication(views, { db, publicReads: config.PUBLIC_READS });
    const repoView = { suite: repo.settings.suite, component: repo.settings.component, arches: [...arches.names] };
    await views.register(farmViewRoutes, { db, metrics, explain, repo: repoView, refreshSeconds: 15 });
  });
  await app.register(
    async (v1) => {
      installAuthentication(v1, { db, publicReads: config.PUBLIC_READS });
      await v1.register(jobRoutes, {
        db,
        store,
        uploadLimits,
        uploaderKeyring,
        archives,
        arches,
        explain,
        readCache,
      });
      await v1.register(batchRoutes, {
        db,
        store,
        uploadLimits,
        policy: {
          uploaderKeyring,
          archives,
          arches,
          suite: repo.settings.suite,
          buildArch: BUILD_ARCH,
          buildProfiles: (arch) => profileOf(arch).buildProfiles,
        },
      });
      await v1.register(sourceRoutes, { db });
      await v1.register(tokenRoutes, { db });
      await v1.register(jobPriorityRoutes, { db });
      await v1.register(jobActionRoutes, { db, explain });
      await v1.register(webhookRoutes, { db });
      await v1.register(jobOutputRoutes, {
        db,
        artifactsDir: artifactsDirOf(config.DATA_DIR),
        maxLogFollowers: config.MAX_LOG_FOLLOWERS,
        following,
      });
      if (deps.engines) await v1.register(engineRoutes, { pool: deps.engines });
      await v1.register(packageRoutes, {
        db,
        repo,
        store,
        uploadLimits,
      });
    },
    { prefix: '/v1' },
  );
  await app.register(aptRoutes, { prefix: '/apt', db, repo, auth: config.REPO_AUTH });
  return app;
}

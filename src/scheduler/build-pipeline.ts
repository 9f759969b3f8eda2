import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { BackgroundLoop } from '../background-loop.ts';
import type { ArchProfile } from '../builders/arch-profile.ts';
import { sql } from 'kysely';
import type { AttemptLimits, Builder } from '../builders/builder.ts';
import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { readInstallationId } from '../db/installation-id.ts';
import { artifactFile, artifactsDirOf } from '../jobs/artifact-files.ts';
import { listArtifacts } from '../jobs/attempts.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import { PublicationPendingError, publishPackages } from '../repo/publish/publish-repository.ts';

// How long a build's publication waits for the publisher's retries before the job fails.
const PUBLICATION_RETRY_WAIT_MS = 15 * 60_000;
import { PUBLIC_KEY_FILES, type Repository } from '../repo/repository.ts';
import { sourcePublishedFromSameInput } from './binary-only.ts';
import { checkBuildOwnership, readBuildClaim } from './build-claim.ts';
import { prepareRepositoryHandIn } from './repository-hand-in.ts';
import { buildArchitecturesOf } from '../builders/arch-profile.ts';
import { BUILD_ARCH } from './dep-wait.ts';
import { Dispatcher, type Listen, type SchedulerSettings } from './dispatcher.ts';
import { EnginePool } from './engine-pool.ts';
import { handlePublications, type PublicationHandling } from './handle-publications.ts';
import { recordBuildDependencies } from './record-build-dependencies.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';

export interface BuildPipelineOptions {
  db: Db;
  store: SourceStore;
  repo: Repository;
  dataDir: string;
  logger: Logger;
  /** The profiles of the architectures built (ARCHES), the default first. */
  profiles: readonly ArchProfile[];
  engines: Builder[];
  /** Limits beyond the profile's (defaults below). */
  limits?: Partial<AttemptLimits>;
  pollMs?: number;
  /** Leases, retries, fairness (config SCHEDULER_*; defaults in dispatcher.ts). */
  scheduler?: Partial<SchedulerSettings>;
  /** NOTIFY wake-ups (DatabaseHandle.listen); without it the scheduler polls only. */
  listen?: Listen;
  /** Queue waits, build durations and publications are counted here. */
  metrics?: ServiceMetrics;
}

/** The parts of building: the engines, the dispatcher that feeds them, and the first seeding. */
export function createBuildPipeline(options: BuildPipelineOptions) {
  const { db, repo, profiles, logger } = options;
  const profileOf = (arch: string) => {
    const profile = profiles.find((p) => p.arch === arch);
    if (!profile)
      throw new Error(
        `no profile for ${arch}: it is not one of the architectures this service builds (${profiles.map((p) => p.arch).join(', ')})`,
      );
    return profile;
  };
  const pool = new EnginePool(db, options.engines, new Map(profiles.map((p) => [p.arch, p.image])));
  const arches = buildArchitecturesOf(profiles);
  const artifactsDir = artifactsDirOf(options.dataDir);
  const publications: PublicationHandling = {
    suite: repo.settings.suite,
    buildArch: BUILD_ARCH,
    rebuildArches: profiles.filter((p) => p.rebuildOnDependencyChange ?? true).map((p) => p.arch),
    logger,
  };

  /** Dependents of what was just published: rebuilds queued, dep-wait jobs requeued. */
  async function afterPublication(): Promise<void> {
    const { rebuilds, requeued } = await handlePublications(db, publications);
    if (rebuilds.length + requeued.length > 0) dispatcher.wake();
  }

  /**
   * The job's packages are committed but the files apt reads could not be written: the
   * publisher retries by itself, and the job is published once a retry shows them.
   */
  async function awaitRetriedPublication(pending: PublicationPendingError): Promise<void> {
    logger.warn(
      { generation: pending.generation, err: pending.cause },
      'publication failed after the packages were added; waiting for the retry',
    );
    const deadline = Date.now() + PUBLICATION_RETRY_WAIT_MS;
    while (repo.publisher.knownPublished < pending.generation) {
      if (Date.now() > deadline) throw new Error(`${pending.message}; still failing after ${PUBLICATION_RETRY_WAIT_MS / 60_000} minutes`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  const pendingAfterPublish = new Set<Promise<void>>();
  /**
   * Dependents move once the dispatcher has marked a job published, so that histories read in
   * order (A published, then B queued). Their failure is logged only: the job is published
   * whatever happens to them.
   */
  function moveDependentsOf(jobId: number): void {
    const after = afterPublication()
      .catch((error: unknown) => logger.error({ err: error, jobId }, 'handling the publication failed'))
      .finally(() => pendingAfterPublish.delete(after));
    pendingAfterPublish.add(after);
  }

  /** What the job was built against, kept before its packages are published (rebuilds need it). */
  async function keepBuildDependencies(jobId: number): Promise<void> {
    const buildinfo = (await listArtifacts(db, jobId)).find((a) => a.kind === 'buildinfo');
    if (!buildinfo) return;
    await recordBuildDependencies(db, {
      jobId,
      buildinfoPath: artifactFile(artifactsDir, jobId, buildinfo),
      suite: repo.settings.suite,
    });
  }
  const limitsOf = (profile: ArchProfile): AttemptLimits => ({
    memoryMiB: profile.limits.memoryMiB,
    cpus: profile.limits.cpus,
    pids: profile.limits.pids,
    dependenciesSeconds: profile.timeouts.dependenciesSeconds,
    buildSeconds: profile.timeouts.buildSeconds,
    noOutputSeconds: 1800,
    maxLogBytes: 64 * 1024 * 1024,
    maxArtifactBytes: 2 * 1024 * 1024 * 1024,
    ...options.limits,
  });
  const dispatcher = new Dispatcher({
    db,
    pool,
    store: options.store,
    logger,
    artifactsDir,
    attemptSettings: (arch) => {
      const profile = profileOf(arch);
      return { image: profile.image, limits: limitsOf(profile) };
    },
    repository: async (jobId, arch) => {
      const job = await db
        .selectFrom('jobs')
        .select(['build_depends', 'build_depends_arch'])
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow();
      const { dir, suite, component } = repo.settings;
      return prepareRepositoryHandIn(
        db,
        { dir, suite, component, keyFile: path.join(dir, PUBLIC_KEY_FILES.armored) },
        {
          arch,
          buildDepends: job.build_depends,
          buildDependsArch: job.build_depends_arch,
          profiles: profileOf(arch).buildProfiles,
          arches: arches.table,
        },
      );
    },
    checkOwnership: (jobId, artifactDir, artifacts) =>
      checkBuildOwnership(
        db,
        { suite: repo.settings.suite, architectures: repo.settings.architectures, maxUnpackedBytes: repo.settings.maxUnpackedBytes },
        jobId,
        artifactDir,
        artifacts,
      ),
    publish: async (built) => {
      const began = performance.now();
      const measured = (outcome: 'published' | 'failed') =>
        options.metrics?.observePublication((performance.now() - began) / 1000, outcome);
      await keepBuildDependencies(built.jobId);
      const published = built.source && (await sourcePublishedFromSameInput(db, repo.settings.suite, built.jobId, built.source.dsc.path));
      if (published) logger.info({ jobId: built.jobId, source: published }, 'source already published: binaries only');
      await publishPackages(db, repo, {
        debs: built.debs.map((p) => ({ path: p })),
        sources: built.source && !published ? [built.source] : [],
        jobId: built.jobId,
        claim: await readBuildClaim(db, built.jobId, built.source?.dsc.path ?? null),
      })
        .catch((error: unknown) => (error instanceof PublicationPendingError ? awaitRetriedPublication(error) : Promise.reject(error)))
        .then(
          () => measured('published'),
          (error: unknown) => {
            measured('failed');
            throw error;
          },
        );
    },
    settings: { ...(options.pollMs ? { pollMs: options.pollMs } : {}), ...options.scheduler },
    listen: options.listen,
    onPublished: moveDependentsOf,
    onAttemptEnded: (ended) => {
      options.metrics
        ?.recordAttempt(ended)
        .catch((error: unknown) => logger.warn({ err: error, ...ended }, 'recording the attempt in the metrics failed'));
    },
  });

  /**
   * A fresh repository lacks the architecture's essential packages (stubdom-libc-dev, …) that
   * real -dev packages depend on: publish them from the image of the first healthy engine.
   */
  async function seedEssentialPackages(): Promise<void> {
    for (const profile of profiles) await seedEssentialPackagesOf(profile);
  }

  async function seedEssentialPackagesOf(profile: ArchProfile): Promise<void> {
    for (const builder of options.engines) {
      if (!(await pool.checkHealth(builder, true)).arches.includes(profile.arch)) continue;
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-essential-'));
      try {
        const debs = await builder.fetchEssentialPackages(profile.image, dir, await readInstallationId(db));
        const present = await db
          .selectFrom('repo_packages')
          .select(['name', 'version'])
          .where(
            'name',
            'in',
            debs.map((d) => path.basename(d).split('_')[0]!),
          )
          .execute();
        const missing = debs.filter((d) => {
          const [name, version] = path.basename(d).split('_');
          return !present.some((p) => p.name === name && p.version.replace(/^\d+:/, '') === version);
        });
        if (missing.length === 0) return;
        await publishPackages(db, repo, { debs: missing.map((p) => ({ path: p })) });
        logger.info(
          { packages: missing.map((d) => path.basename(d)), engine: builder.id },
          'published the essential packages from the image',
        );
        await afterPublication();
        return;
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    }
    logger.warn({ image: profile.image }, 'no healthy engine to take the essential packages from; will try at the next start');
  }

  /**
   * Looks for what the publish hook cannot see: publications by others (the admin API, another
   * replica) and jobs that went to dep-wait after the publication that satisfies them (their
   * apt ran just before it). Acts only when one of the two changed, so nothing is retried
   * while nothing changed.
   */
  let seen = '';
  async function watchOnce(): Promise<void> {
    const { generation } = await db
      .selectFrom('repo_suites')
      .select('published_generation as generation')
      .where('suite', '=', repo.settings.suite)
      .executeTakeFirstOrThrow();
    const { event } = await db
      .selectFrom('job_events')
      .select(sql<number | null>`max(id)`.as('event'))
      .where('to_state', '=', 'dep-wait')
      .executeTakeFirstOrThrow();
    const now = `${generation ?? ''}/${event ?? ''}`;
    if (now === seen) return;
    await afterPublication();
    seen = now;
  }
  const watcher = new BackgroundLoop({
    failureMessage: 'watching for publications and dep-waits failed',
    logger,
    everyMs: options.pollMs ?? 2000,
    round: watchOnce,
  });

  let starting: Promise<void> | undefined;
  let stopRequested = false;

  /**
   * Seeds a fresh repository, then starts dispatching: the scheduler first gives back what
   * stopped processes left half-done (expired leases) and clears their containers. Nothing
   * here fails the start: an engine that does not answer shows unhealthy and jobs wait.
   */
  function start(): Promise<void> {
    starting ??= (async () => {
      await pool.registerEngines().catch((error: unknown) => logger.error({ err: error }, 'registering the engines failed'));
      await seedEssentialPackages().catch((error: unknown) => logger.error({ err: error }, 'seeding the essential packages failed'));
      if (stopRequested) return; // stopped while seeding: nothing more starts
      await dispatcher.start();
      void watcher.start({ afterPause: true });
    })();
    return starting;
  }

  /**
   * Stops watching, then the dispatcher (running attempts are given back). A stop during the
   * start waits for what the start has in hand, so an essential-package copy removes its
   * container before the process exits.
   */
  async function stop(): Promise<void> {
    stopRequested = true;
    await starting?.catch(() => undefined); // a failed start is its caller's to report; the stop goes on
    await watcher.stop();
    await dispatcher.stop();
    await Promise.all(pendingAfterPublish);
  }

  return { pool, dispatcher, seedEssentialPackages, start, stop, afterPublication };
}

export type BuildPipeline = ReturnType<typeof createBuildPipeline>;

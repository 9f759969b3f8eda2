import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ArchProfile } from '../builders/arch-profile.ts';
import type { AttemptLimits, Builder } from '../builders/builder.ts';
import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import type { SourceStore } from '../jobs/source-store.ts';
import { publishPackages } from '../repo/publish-packages.ts';
import { PUBLIC_KEY_FILES, type Repository } from '../repo/repository.ts';
import { Dispatcher } from './dispatcher.ts';
import { EnginePool } from './engine-pool.ts';

export interface BuildPipelineOptions {
  db: Db;
  store: SourceStore;
  repo: Repository;
  dataDir: string;
  logger: Logger;
  profile: ArchProfile;
  engines: Builder[];
  /** Limits beyond the profile's (defaults below). */
  limits?: Partial<AttemptLimits>;
  pollMs?: number;
}

/** The parts of building: the engines, the dispatcher that feeds them, and the first seeding. */
export function createBuildPipeline(options: BuildPipelineOptions) {
  const { db, repo, profile, logger } = options;
  const pool = new EnginePool(db, options.engines, profile.image);
  const limits: AttemptLimits = {
    memoryMiB: profile.limits.memoryMiB,
    cpus: profile.limits.cpus,
    pids: profile.limits.pids,
    dependenciesSeconds: profile.timeouts.dependenciesSeconds,
    buildSeconds: profile.timeouts.buildSeconds,
    noOutputSeconds: 1800,
    maxLogBytes: 64 * 1024 * 1024,
    maxArtifactBytes: 2 * 1024 * 1024 * 1024,
    ...options.limits,
  };
  const dispatcher = new Dispatcher({
    db,
    pool,
    store: options.store,
    logger,
    artifactsDir: path.join(options.dataDir, 'artifacts'),
    image: profile.image,
    limits,
    repository: () => ({
      dir: repo.settings.dir,
      keyFile: path.join(repo.settings.dir, PUBLIC_KEY_FILES.armored),
      suite: repo.settings.suite,
    }),
    publish: async (built) => {
      await publishPackages(db, repo, {
        debs: built.debs.map((p) => ({ path: p })),
        sources: built.source ? [built.source] : [],
        jobId: built.jobId,
      });
    },
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });

  /**
   * A fresh repository lacks the architecture's essential packages (stubdom-libc-dev, …) that
   * real -dev packages depend on: publish them from the image of the first healthy engine.
   */
  async function seedEssentialPackages(): Promise<void> {
    for (const builder of options.engines) {
      if (!(await pool.checkHealth(builder, true)).healthy) continue;
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stubbuild-essential-'));
      try {
        const debs = await builder.fetchEssentialPackages(profile.image, dir);
        const present = await db
          .selectFrom('repo_packages')
          .select(['name', 'version'])
          .where('name', 'in', debs.map((d) => path.basename(d).split('_')[0]!))
          .execute();
        const missing = debs.filter((d) => {
          const [name, version] = path.basename(d).split('_');
          return !present.some((p) => p.name === name && p.version.replace(/^\d+:/, '') === version);
        });
        if (missing.length === 0) return;
        await publishPackages(db, repo, { debs: missing.map((p) => ({ path: p })) });
        logger.info({ packages: missing.map((d) => path.basename(d)), engine: builder.id }, 'published the essential packages from the image');
        return;
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    }
    logger.warn({ image: profile.image }, 'no healthy engine to take the essential packages from; will try at the next start');
  }

  /** Containers and volumes of attempts no longer running (a crash, a kill) are removed. */
  async function reapOrphans(): Promise<void> {
    const running = await db.selectFrom('attempts').select(['job_id', 'number']).where('state', '=', 'running').execute();
    const live = new Set(running.map((r) => `${r.job_id}.${r.number}`));
    for (const builder of options.engines) {
      if (!(await pool.checkHealth(builder, true)).healthy) continue;
      const removed = await builder.reapOrphans((jobId, attempt) => live.has(`${jobId}.${attempt}`));
      if (removed > 0) logger.warn({ engine: builder.id, removed }, 'removed containers and volumes of attempts no longer running');
    }
  }

  /**
   * Gives back what a stopped service left half-done, clears its containers, seeds a fresh
   * repository, then starts dispatching. Nothing here fails the start: an engine that does not
   * answer shows unhealthy and jobs wait.
   */
  async function start(): Promise<void> {
    await dispatcher.recover();
    await reapOrphans().catch((error: unknown) => logger.error({ err: error }, 'reaping orphans failed'));
    await seedEssentialPackages().catch((error: unknown) => logger.error({ err: error }, 'seeding the essential packages failed'));
    dispatcher.start();
  }

  return { pool, dispatcher, seedEssentialPackages, start };
}

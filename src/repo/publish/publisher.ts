// One publisher at a time, and as few publications as the requests allow.
//
// Within a process, requests queue behind the running publication and all requests that
// arrive while it runs share the next one (they are coalesced): a request is answered by a
// publication that started after it was made, so it includes every change committed before
// the request. Across replicas, a publication holds a Postgres advisory lock on its own
// connection; the contents are read in a repeatable-read snapshot taken after the lock is
// held, so a publication never shows less than the one before it. On PGlite there is one
// process, and the queue alone is the lock.
import os from 'node:os';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type {} from '../../db/repo-tables.ts';
import type { Db } from '../../db/in-transaction.ts';
import { BackgroundLoop } from '../../background-loop.ts';
import { type PublishLockMode, withPublishLock } from './publish-lock.ts';
import { IndexPieces, type RenderOptions } from './index-pieces.ts';
import { collectGarbage, type GcResult } from '../gc/collect-garbage.ts';
import { writePreparedPublication, type PreparedIndexFile, type SuiteIdentity } from './write-publication.ts';
import type { RepoSigner } from './repo-signer.ts';
import { SuiteContents } from '../rows/suite-contents.ts';

export interface PublishOutcome {
  /** The contents generation the published files show. */
  generation: number;
  /** Nothing was written: that generation (or a later one) was already published. */
  skipped: boolean;
  /** SHA-256 of the Release written (absent when skipped). */
  releaseSha256?: string;
  date?: Date;
  durationMs: number;
}

export interface PublisherSettings extends SuiteIdentity {
  dir: string;
  xz: boolean;
  graceMs: number;
}

export interface PublisherHooks {
  /** Runs while the publication lock is held, before anything is read (tests). */
  whileLocked?(): Promise<void>;
}

type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// A failed publication is tried again after this, doubled up to a minute.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = MINUTE;

export class RepoPublisher {
  private tail: Promise<unknown> = Promise.resolve();
  private queued: Promise<PublishOutcome> | undefined;
  private queuedForce = false;
  private readonly contents = new SuiteContents();
  private readonly pieces = new Map<string, IndexPieces>();
  private lastGcAt = 0;
  private collector: BackgroundLoop | undefined;
  /** Set while the last publication failed: committed rows wait, a retry is scheduled. */
  private failure: { message: string; since: Date } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_FIRST_MS;
  private closed = false;
  /** The highest generation this process knows to be published. */
  knownPublished = -1;

  constructor(
    private readonly settings: PublisherSettings,
    private readonly signer: () => RepoSigner,
    private readonly lockMode: PublishLockMode,
    private readonly log: Log | undefined,
    private readonly hooks: PublisherHooks = {},
  ) {}

  /**
   * A publication that starts after this call: the one queued behind the running one, shared
   * with every other request made meanwhile. `force` writes even when nothing changed.
   */
  request(db: Db, opts: { force?: boolean } = {}): Promise<PublishOutcome> {
    if (this.queued) {
      if (opts.force) this.queuedForce = true;
      return this.queued;
    }
    this.queuedForce = opts.force ?? false;
    const run = this.tail.then(() => {
      this.queued = undefined;
      return this.publish(db, this.queuedForce);
    });
    this.queued = run;
    run.then(
      () => this.recovered(),
      (error: unknown) => this.failed(db, error),
    );
    this.tail = run.then(
      () => this.collectIfDue(db),
      () => undefined,
    );
    return run;
  }

  /** Runs garbage collection now, in turn with publications. */
  collect(db: Db, now?: Date): Promise<GcResult> {
    const run = this.tail.then(() => this.collectLocked(db, now));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Collects garbage on a timer as well as after publications, so that the files of a
   * repository nobody publishes to go once their grace period is over. Every `everyMs`
   * (by default as often as publications would, but at most once a minute) it checks whether
   * a collection is due. Stopped by stopCollecting().
   */
  collectPeriodically(db: Db, everyMs = Math.max(MINUTE, this.gcIntervalMs())): void {
    if (this.collector) return;
    // Each check waits its turn behind the publications; collectIfDue logs its own failures.
    const check = async () => {
      const checked = this.tail.then(() => this.collectIfDue(db));
      this.tail = checked;
      await checked;
    };
    this.collector = new BackgroundLoop({
      failureMessage: 'repository garbage collection failed',
      logger: this.log,
      everyMs,
      round: check,
    });
    void this.collector.start({ afterPause: true });
  }

  stopCollecting(): void {
    void this.collector?.stop();
    this.collector = undefined;
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  /** Whether the last publication failed (rows committed since wait for the retry), and why. */
  get publicationFailure(): { message: string; since: Date } | undefined {
    return this.failure;
  }

  private recovered(): void {
    if (this.failure) this.log?.info({ since: this.failure.since }, 'publishing works again');
    this.failure = undefined;
    this.retryDelayMs = RETRY_FIRST_MS;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Records the failure and tries again later, so committed rows do not wait for the next change. */
  private failed(db: Db, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.failure = { message, since: this.failure?.since ?? new Date() };
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(RETRY_MAX_MS, delay * 2);
    this.log?.error({ err: error, retryInMs: delay }, 'publishing the repository failed; trying again');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.request(db).catch(() => undefined); // failed() schedules the next try
    }, delay);
    this.retryTimer.unref();
  }

  /** Waits for everything queued (before closing the database). */
  async idle(): Promise<void> {
    for (let tail = this.tail; ; tail = this.tail) {
      await tail;
      if (tail === this.tail) return;
    }
  }

  private async publish(db: Db, force: boolean): Promise<PublishOutcome> {
    const started = performance.now();
    const { suite } = this.settings;
    return withPublishLock(db, this.lockMode, suite, async (conn) => {
      await this.hooks.whileLocked?.();
      const snapshot = await conn
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const row = await trx
            .selectFrom('repo_suites')
            .select(['generation', 'published_generation'])
            .where('suite', '=', suite)
            .executeTakeFirstOrThrow();
          const generation = Number(row.generation);
          const published = row.published_generation === null ? -1 : Number(row.published_generation);
          if (!force && published >= generation) return { generation: published, skip: true };
          const changes = await this.contents.sync(trx, suite, generation);
          return { generation, skip: false, changes };
        });
      if (snapshot.skip) {
        this.knownPublished = Math.max(this.knownPublished, snapshot.generation);
        return { generation: snapshot.generation, skipped: true, durationMs: performance.now() - started };
      }

      const { indexFiles, packagesCount, sourcesCount, compressed } = await this.renderIndices();
      const rendered = performance.now();
      const result = await writePreparedPublication(
        this.settings.dir,
        { ...this.identity(), indexFiles, packagesCount, sourcesCount },
        this.signer(),
      );
      await conn
        .updateTable('repo_suites')
        .set({
          published_generation: sql<number>`greatest(coalesce(published_generation, -1), ${snapshot.generation})`,
          published_at: result.date,
          release_sha256: result.release.sha256,
        })
        .where('suite', '=', suite)
        .execute();
      this.knownPublished = Math.max(this.knownPublished, snapshot.generation);
      const durationMs = performance.now() - started;
      this.log?.info(
        {
          suite,
          generation: snapshot.generation,
          packages: packagesCount,
          sources: sourcesCount,
          changedRows: snapshot.changes,
          piecesCompressed: compressed,
          renderMs: Math.round(rendered - started),
          durationMs: Math.round(durationMs),
        },
        'published the repository',
      );
      return { generation: snapshot.generation, skipped: false, releaseSha256: result.release.sha256, date: result.date, durationMs };
    });
  }

  private identity(): SuiteIdentity {
    const { suite, codename, component, architectures, origin, label, description } = this.settings;
    return { suite, codename, component, architectures, origin, label, ...(description !== undefined ? { description } : {}) };
  }

  private piecesFor(path: string): IndexPieces {
    let p = this.pieces.get(path);
    if (!p) {
      p = new IndexPieces();
      this.pieces.set(path, p);
    }
    return p;
  }

  private async renderIndices(): Promise<{
    indexFiles: PreparedIndexFile[];
    packagesCount: Record<string, number>;
    sourcesCount: number;
    compressed: number;
  }> {
    const { component, architectures, xz } = this.settings;
    const opts: RenderOptions = { xz, processes: Math.max(1, os.availableParallelism()) };
    const jobs = [
      ...architectures.map((arch) => ({
        dir: `${component}/binary-${arch}`,
        name: 'Packages',
        entries: this.contents.packagesFor(arch),
        arch,
      })),
      { dir: `${component}/source`, name: 'Sources', entries: this.contents.sourceEntries(), arch: undefined },
    ];
    const rendered = await Promise.all(jobs.map((job) => this.piecesFor(`${job.dir}/${job.name}`).render(job.entries, opts)));
    const indexFiles: PreparedIndexFile[] = [];
    const packagesCount: Record<string, number> = {};
    let compressed = 0;
    jobs.forEach((job, i) => {
      const r = rendered[i]!;
      compressed += r.compressed;
      if (job.arch !== undefined) packagesCount[job.arch] = job.entries.length;
      indexFiles.push({ path: `${job.dir}/${job.name}`, data: r.plain }, { path: `${job.dir}/${job.name}.gz`, data: r.gz });
      if (r.xz) indexFiles.push({ path: `${job.dir}/${job.name}.xz`, data: r.xz });
    });
    return { indexFiles, packagesCount, sourcesCount: this.contents.sourceEntries().length, compressed };
  }

  /** How often publications trigger a collection: often enough for the grace period to hold. */
  private gcIntervalMs(): number {
    return Math.min(HOUR, this.settings.graceMs / 4);
  }

  private async collectIfDue(db: Db): Promise<void> {
    if (Date.now() - this.lastGcAt < this.gcIntervalMs()) return;
    try {
      await this.collectLocked(db);
    } catch (err) {
      this.log?.error({ err }, 'repository garbage collection failed; it is tried again later');
    }
  }

  private async collectLocked(db: Db, now?: Date): Promise<GcResult> {
    this.lastGcAt = Date.now();
    return withPublishLock(db, this.lockMode, this.settings.suite, async (conn) => {
      // Files of rows not yet published (or still being added) count as referenced too.
      const referenced = new Set<string>();
      for (const r of await conn.selectFrom('repo_packages').select('pool_path').execute()) referenced.add(r.pool_path);
      for (const r of await conn.selectFrom('repo_sources').select('pool_paths').execute()) for (const p of r.pool_paths) referenced.add(p);
      const result = await collectGarbage(this.settings.dir, {
        graceMs: this.settings.graceMs,
        referencedPoolFiles: referenced,
        ...(now ? { now } : {}),
      });
      this.log?.info(
        {
          deleted: result.deleted.length,
          pending: result.pending.length,
          removedTemporaries: result.removedTemporaries.length,
          graceMs: this.settings.graceMs,
        },
        'collected repository garbage',
      );
      return result;
    });
  }
}

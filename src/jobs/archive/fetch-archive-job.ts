// One claimed archive reference, from the suite's index to a `queued` job with its files in
// the store, or to `failed` with the reason in words. The files are checked three times: the
// index's size and SHA-256 while they stream in, then the .dsc's own Checksums-Sha256 and
// everything else an upload is checked for (checkUpload).
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { type Db, inTransaction } from '../../db/in-transaction.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { compareVersions } from '../../debian/version.ts';
import { DomainError } from '../../domain-error.ts';
import { checkUpload } from '../check-upload.ts';
import type { BuildArchitectures } from '../build-architectures.ts';
import { liveStates } from '../live-states.ts';
import { supersedeOlderJobs } from '../supersede-older.ts';
import type { Keyring } from '../openpgp-keyring.ts';
import type { SourceStore, StagedFile } from '../source-store.ts';
import { transitionJob } from '../transition-job.ts';
import { FetchFailure, httpGet, type HttpSettings } from './archive-http.ts';
import type { ArchiveSuite, ArchiveSuites } from './archive-settings.ts';
import type { ClaimedFetchJob } from './fetch-lease.ts';
import { findSourceEntries, findSourcesOfBinary, loadSourcesIndex, type SourceEntry, type SourceLookup } from './sources-index.ts';

export interface FetcherDeps {
  db: Db;
  store: SourceStore;
  archives: ArchiveSuites;
  /** The architectures jobs are built for: a fetched .dsc must build for its job's. */
  arches: BuildArchitectures;
  /** Undefined: InRelease files are taken unverified (no keyring configured or installed). */
  archiveKeyring: Keyring | undefined;
  /** DATA_DIR/archive-cache */
  cacheDir: string;
  /** The largest source file taken, as for uploads (MAX_UPLOAD_FILE_BYTES). */
  maxFileBytes: number;
  http: Pick<HttpSettings, 'fetch' | 'idleTimeoutMs' | 'retryDelaysMs'>;
  logger: Logger;
}

export type FetchOutcome =
  | { jobId: number; state: 'queued'; version: string }
  | { jobId: number; state: 'failed'; reason: string }
  /** The job was cancelled, or another fetcher took it over: nothing was written. */
  | { jobId: number; state: 'lost' };

/** The job is no longer ours to finish (cancelled, or our lease ran out and was taken). */
export class LeaseLost extends Error {
  constructor(jobId: number) {
    super(`job ${jobId} is no longer held by this fetcher`);
  }
}

function pickEntry(job: ClaimedFetchJob, suite: ArchiveSuite, lookup: SourceLookup): SourceEntry {
  const { entries } = lookup;
  if (entries.length === 0) {
    const hint = lookup.similar.length > 0 ? `; similar names there: ${lookup.similar.join(', ')}` : '';
    throw new FetchFailure(`source package ${job.source} is not in ${suite.name} ${suite.component}${hint}`);
  }
  let sorted: SourceEntry[];
  try {
    sorted = [...entries].sort((a, b) => compareVersions(b.version, a.version));
  } catch (error) {
    if (error instanceof DebianParseError)
      throw new FetchFailure(`Sources of ${suite.name} has an invalid version of ${job.source}: ${error.message}`);
    throw error;
  }
  if (job.version === null) return sorted[0]!;
  const wanted = job.version;
  const found = sorted.find((e) => e.version === wanted) ?? sorted.find((e) => compareVersions(e.version, wanted) === 0);
  if (!found) {
    throw new FetchFailure(`version ${wanted} of ${job.source} is not in ${suite.name} (have ${sorted.map((e) => e.version).join(', ')})`);
  }
  return found;
}

async function downloadFile(
  deps: FetcherDeps,
  http: HttpSettings,
  suite: ArchiveSuite,
  entry: SourceEntry,
  file: SourceEntry['files'][number],
): Promise<StagedFile> {
  if (file.size > deps.maxFileBytes) {
    throw new FetchFailure(`${file.name} has ${file.size} bytes, more than the limit of ${deps.maxFileBytes}`);
  }
  const url = `${suite.baseUrl}/${entry.directory}/${encodeURIComponent(file.name)}`;
  const staged = await httpGet(url, http, async (response) => {
    try {
      return await deps.store.stage(file.name, response.body, file.size);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'too-large') {
        throw new FetchFailure(`size mismatch for ${file.name}: the index says ${file.size} bytes, the mirror sent more`);
      }
      throw error;
    }
  });
  if (staged.size !== file.size || staged.sha256 !== file.sha256) {
    await deps.store.discard([staged]);
    throw new FetchFailure(
      staged.size !== file.size
        ? `size mismatch for ${file.name}: the index says ${file.size} bytes, got ${staged.size}`
        : `hash mismatch for ${file.name}: got SHA-256 ${staged.sha256}, the index of ${suite.name} says ${file.sha256}`,
    );
  }
  return staged;
}

async function completeFetch(
  deps: FetcherDeps,
  job: ClaimedFetchJob,
  suite: ArchiveSuite,
  staged: StagedFile[],
  dsc: ReturnType<typeof checkUpload>,
): Promise<void> {
  const added: string[] = [];
  for (const file of staged) if (await deps.store.commit(file)) added.push(file.sha256);
  try {
    // The job's description and its move to `queued` land together or not at all.
    await inTransaction(deps.db, async (trx) => {
      const updated = await trx
        .updateTable('jobs')
        .set({
          source: dsc.source,
          version: dsc.version,
          binaries: dsc.binaries,
          build_depends: dsc.buildDepends,
          build_depends_arch: dsc.buildDependsArch,
          fetch_lease_owner: null,
          fetch_lease_until: null,
        })
        .where('id', '=', job.id)
        .where('state', '=', 'fetching')
        .where('fetch_lease_owner', '=', job.owner)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new LeaseLost(job.id);
      await trx.deleteFrom('job_files').where('job_id', '=', job.id).execute();
      await trx
        .insertInto('job_files')
        .values(staged.map((f) => ({ job_id: job.id, name: f.name, sha256: f.sha256, size: f.size })))
        .execute();
      await transitionJob(trx, {
        jobId: job.id,
        to: 'queued',
        from: ['fetching'],
        actor: 'fetcher',
        reason: `fetched ${dsc.source} ${dsc.version} from ${suite.name}${dsc.source !== job.source ? ` (${job.source} is a binary package of source ${dsc.source})` : ''}`,
      });
      // A reference without a version learns it only now.
      await supersedeOlderJobs(trx, { jobId: job.id, source: dsc.source, arch: job.arch, version: dsc.version });
      // A batch that named a source and one of its binaries (libzstd and zstd) builds it once.
      const twin = await trx
        .selectFrom('jobs as me')
        .innerJoin('jobs as other', (join) => join.onRef('other.batch_id', '=', 'me.batch_id'))
        .select('other.id')
        .where('me.id', '=', job.id)
        .where('other.id', '!=', job.id)
        .where('other.source', '=', dsc.source)
        .where('other.version', '=', dsc.version)
        .where('other.arch', '=', job.arch)
        .where('other.state', 'in', [...liveStates])
        .orderBy('other.id')
        .executeTakeFirst();
      if (twin) {
        await transitionJob(trx, {
          jobId: job.id,
          to: 'cancelled',
          from: ['queued'],
          actor: 'fetcher',
          reason: `the same source as job ${twin.id} of its batch (${dsc.source} ${dsc.version})`,
        });
      }
    });
  } catch (error) {
    await Promise.all(added.map((sha256) => deps.store.remove(sha256)));
    throw error;
  }
}

/** Records the failure; LeaseLost when the job stopped being ours meanwhile. */
export async function failFetch(db: Db, job: ClaimedFetchJob, reason: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const updated = await trx
      .updateTable('jobs')
      .set({ fetch_lease_owner: null, fetch_lease_until: null })
      .where('id', '=', job.id)
      .where('state', '=', 'fetching')
      .where('fetch_lease_owner', '=', job.owner)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new LeaseLost(job.id);
    await transitionJob(trx, {
      jobId: job.id,
      to: 'failed',
      from: ['fetching'],
      actor: 'fetcher',
      reason: `fetch: ${reason}`,
      causeClass: 'fetch',
    });
  });
}

/**
 * Fetches and verifies the source of a claimed job and moves the job on. Failures of the
 * source (not found, hash mismatch, bad signature, network down after retries) fail the job;
 * an abort of `signal` (stop, lost lease) and unexpected errors are thrown, nothing written.
 */
export async function fetchArchiveJob(deps: FetcherDeps, job: ClaimedFetchJob, signal: AbortSignal): Promise<FetchOutcome> {
  const log = deps.logger.child({ jobId: job.id, source: job.source, suite: job.suite, requested: job.version ?? 'newest' });
  const fail = async (reason: string): Promise<FetchOutcome> => {
    await failFetch(deps.db, job, reason);
    log.info({ reason }, 'archive reference failed');
    return { jobId: job.id, state: 'failed', reason };
  };
  const suite = deps.archives.suites.find((s) => s.name === job.suite);
  if (!suite) {
    return fail(`suite ${job.suite} is not configured; configured suites: ${deps.archives.suites.map((s) => s.name).join(', ')}`);
  }
  const http: HttpSettings = {
    ...deps.http,
    signal,
    onRetry: (info) => log.warn(info, 'archive request failed; retrying'),
  };
  const staged: StagedFile[] = [];
  try {
    const started = Date.now();
    const index = await loadSourcesIndex(suite, { cacheDir: deps.cacheDir, keyring: deps.archiveKeyring, http });
    log.info(
      { inRelease: index.inRelease, sources: index.sources, archiveDate: index.date, ms: Date.now() - started },
      'source index ready',
    );
    // A binary package's name is taken as apt takes it: the source that builds it.
    let source = job.source;
    let lookup = await findSourceEntries(index, source);
    if (lookup.entries.length === 0) {
      const owners = await findSourcesOfBinary(index, job.source);
      if (owners.length === 1) {
        source = owners[0]!;
        lookup = await findSourceEntries(index, source);
        log.info({ binary: job.source, source }, 'the reference names a binary package; building its source');
      } else if (owners.length > 1) {
        throw new FetchFailure(
          `${job.source} is not a source package in ${suite.name}; it is a binary package built by several sources (${owners.join(', ')}): name one`,
        );
      }
    }
    const entry = pickEntry({ ...job, source }, suite, lookup);
    log.info({ version: entry.version, files: entry.files.length, directory: entry.directory }, 'version chosen');
    for (const file of entry.files) {
      staged.push(await downloadFile(deps, http, suite, entry, file));
      log.debug({ file: file.name, bytes: file.size }, 'downloaded and verified');
    }
    const dscFile = staged.find((f) => f.name.endsWith('.dsc'));
    if (!dscFile) throw new FetchFailure(`the index entry of ${job.source} ${entry.version} lists no .dsc`);
    const dsc = checkUpload(await readFile(dscFile.tmpPath, 'utf8'), staged, { arch: job.arch, table: deps.arches.table });
    if (dsc.source !== source || dsc.version !== entry.version) {
      throw new FetchFailure(`${dscFile.name} is ${dsc.source} ${dsc.version}, but the index says ${source} ${entry.version}`);
    }
    await completeFetch(deps, job, suite, staged, dsc);
    log.info({ version: dsc.version, files: staged.length, ms: Date.now() - started }, 'archive reference fetched; job queued');
    return { jobId: job.id, state: 'queued', version: dsc.version };
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    if (error instanceof LeaseLost) {
      log.warn('job was cancelled or taken over while fetching; dropping the result');
      return { jobId: job.id, state: 'lost' };
    }
    if (error instanceof FetchFailure || error instanceof DomainError) {
      try {
        return await fail(error.message);
      } catch (failError) {
        if (failError instanceof LeaseLost) return { jobId: job.id, state: 'lost' };
        throw failError;
      }
    }
    throw error;
  } finally {
    await deps.store.discard(staged);
  }
}

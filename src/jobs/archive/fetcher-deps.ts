import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/in-transaction.ts';
import type { BuildArchitectures } from '../build-architectures.ts';
import type { SourceStore } from '../source-store.ts';
import { archiveSuitesFromConfig, DEBIAN_ARCHIVE_KEYRING, loadArchiveKeyring } from './archive-settings.ts';
import type { FetcherDeps } from './fetch-archive-job.ts';

/** Waits before the retries of a failed archive request: three retries over about 20 s. */
export const ARCHIVE_RETRY_DELAYS_MS = [1_000, 4_000, 15_000] as const;

/** What the fetcher needs, from the configuration; reads the archive keyring once, here. */
export async function createFetcherDeps(
  config: Pick<
    Config,
    | 'DATA_DIR'
    | 'MAX_UPLOAD_FILE_BYTES'
    | 'ARCHIVE_MIRROR'
    | 'ARCHIVE_SECURITY_MIRROR'
    | 'ARCHIVE_SUITES'
    | 'ARCHIVE_SECURITY_SUITES'
    | 'ARCHIVE_KEYRING'
    | 'ARCHIVE_TIMEOUT_SECONDS'
  >,
  db: Db,
  store: SourceStore,
  logger: Logger,
  arches: BuildArchitectures,
): Promise<FetcherDeps> {
  const archiveKeyring = await loadArchiveKeyring(config);
  if (archiveKeyring) {
    logger.info({ keyring: archiveKeyring.path, keys: archiveKeyring.fingerprints.length }, 'archive InRelease files are verified');
  } else {
    logger.warn(
      { expected: DEBIAN_ARCHIVE_KEYRING },
      'no archive keyring (set ARCHIVE_KEYRING or install debian-archive-keyring): InRelease signatures are NOT verified',
    );
  }
  return {
    db,
    store,
    archives: archiveSuitesFromConfig(config),
    arches,
    archiveKeyring,
    cacheDir: path.join(config.DATA_DIR, 'archive-cache'),
    maxFileBytes: config.MAX_UPLOAD_FILE_BYTES,
    http: { fetch: globalThis.fetch, idleTimeoutMs: config.ARCHIVE_TIMEOUT_SECONDS * 1000, retryDelaysMs: ARCHIVE_RETRY_DELAYS_MS },
    logger,
  };
}

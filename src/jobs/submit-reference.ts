import type { Db } from '../db/in-transaction.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { parseVersion } from '../debian/version.ts';
import { DomainError } from '../domain-error.ts';
import type { ArchiveSuites } from './archive/archive-settings.ts';
import { type BuildArchitectures, resolveBuildArch } from './build-architectures.ts';
import type { Job } from './job.ts';
import { hashRequest } from './request-hash.ts';
import { submitJob } from './submit-job.ts';

export interface ArchiveReference {
  source: string;
  version?: string | undefined;
  suite?: string | undefined;
  /** Binary names an admin lets this job take over from another source. */
  allowTakeover?: string[] | undefined;
  /** The architecture to build for; the service's default when not given. */
  arch?: string | undefined;
}

/**
 * A reference as it will be fetched: the suite defaulted and known, the version one dpkg can
 * read. Refused here rather than becoming a job that can only fail.
 */
export function checkArchiveReference(
  reference: ArchiveReference,
  archives: ArchiveSuites,
  arches: BuildArchitectures,
): { source: string; version: string | null; suite: string; arch: string } {
  const { source, version, suite = archives.defaultSuite } = reference;
  const arch = resolveBuildArch(arches, reference.arch);
  if (!archives.suites.some((s) => s.name === suite)) {
    const known = archives.suites.map((s) => s.name);
    throw new DomainError('unknown-suite', `suite ${suite} is not configured; configured suites: ${known.join(', ')}`, {
      suites: known,
    });
  }
  if (version !== undefined) {
    try {
      parseVersion(version);
    } catch (error) {
      if (error instanceof DebianParseError) throw new DomainError('invalid-input', `version: ${error.message}`);
      throw error;
    }
  }
  return { source, version: version?.trim() ?? null, suite, arch };
}

/**
 * Records a job for a source package in a Debian archive; it starts `fetching`. A suite that
 * is not configured, or a version dpkg could not read, is refused (checkArchiveReference).
 */
export async function submitArchiveReference(
  db: Db,
  input: {
    tokenId: string;
    reference: ArchiveReference;
    idempotencyKey?: string | undefined;
    checkSource?: ((source: string) => void) | undefined;
  },
  archives: ArchiveSuites,
  arches: BuildArchitectures,
): Promise<{ job: Job; created: boolean }> {
  const { source, version, suite, arch } = checkArchiveReference(input.reference, archives, arches);
  input.checkSource?.(source);
  const allowTakeover = input.reference.allowTakeover;
  return submitJob(db, {
    tokenId: input.tokenId,
    job: { origin: 'archive', source, version, suite, arch, files: [], state: 'fetching', ...(allowTakeover ? { allowTakeover } : {}) },
    idempotency: input.idempotencyKey
      ? { key: input.idempotencyKey, requestHash: hashRequest('archive', [source, input.reference.version ?? '', suite, arch]) }
      : undefined,
  });
}

// A build publishes only its own packages (dak's rules, for a buildd): every binary comes from
// the job's source at the job's version, is one the built .dsc declares, and is not a name
// another source already owns in the repository. Otherwise a source could ship a package named
// like an essential one, at a higher version, into every apt client and every later build.
import { sql } from 'kysely';
import type { Db } from '../../db/in-transaction.ts';
import { compareVersions } from '../../debian/version.ts';
import type { DebInfo } from '../deb/inspect-deb.ts';
import { RepoError } from '../repo-error.ts';

/** What the job may publish. */
export interface BuildClaim {
  source: string;
  /** The version the job was submitted at (ports and binNMUs add their suffixes to it). */
  version: string;
  /** The architecture it builds for: its binaries are of that one, or all. */
  arch: string;
  /** Binary names of the built .dsc (Binary: and Package-List). */
  declared: readonly string[];
  /** Names an admin let this job take over from another source. */
  allowTakeover: readonly string[];
}

/** One built .deb, as its control file says. */
export interface BuiltBinary {
  package: string;
  version: string;
  architecture: string;
  source: string;
  sourceVersion: string;
  /** `Auto-Built-Package`, e.g. debug-symbols for an automatic -dbgsym package. */
  autoBuilt?: string | undefined;
}

// The suffixes the service itself adds: a port's `+stubdomN`, then a binNMU's `+bN`.
const SERVICE_SUFFIXES = /(\+stubdom[1-9][0-9]*)?(\+b[1-9][0-9]*)?$/;

function isJobVersion(version: string, jobVersion: string): boolean {
  const base = version.replace(SERVICE_SUFFIXES, '');
  return base !== '' && compareVersions(base, jobVersion) === 0;
}

/**
 * The first binary the job may not publish, as `<package> <version>: <rule>`; undefined when
 * every one is its own. `owners` maps binary names to the other source that owns each.
 */
export function findOwnershipViolation(
  claim: BuildClaim,
  binaries: readonly BuiltBinary[],
  owners: ReadonlyMap<string, string>,
): string | undefined {
  const declared = new Set(claim.declared);
  for (const b of binaries) {
    const what = `${b.package} ${b.version}`;
    if (b.source !== claim.source || !isJobVersion(b.sourceVersion, claim.version)) {
      return `${what}: its source is ${b.source} ${b.sourceVersion}, not the job's ${claim.source} ${claim.version}`;
    }
    if (b.architecture !== claim.arch && b.architecture !== 'all') {
      return `${what}: built for ${b.architecture}, not the job's architecture ${claim.arch}`;
    }
    const debugOf = b.autoBuilt === 'debug-symbols' && b.package.endsWith('-dbgsym') ? b.package.slice(0, -'-dbgsym'.length) : undefined;
    if (!declared.has(b.package) && !(debugOf !== undefined && declared.has(debugOf))) {
      return `${what}: not declared by ${claim.source}'s .dsc (Binary: ${claim.declared.join(', ') || 'none'})`;
    }
    const owner = owners.get(b.package);
    if (owner !== undefined && !claim.allowTakeover.includes(b.package)) {
      return `${what}: owned by source ${owner} in the repository (an admin may allow the takeover)`;
    }
  }
  return undefined;
}

/** Which of `names` the suite holds from a source other than `source`, and from which. */
export async function loadOtherOwners(db: Db, suite: string, names: readonly string[], source: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (names.length === 0) return owners;
  const rows = await db
    .selectFrom('repo_packages')
    .select(['name', 'source'])
    .distinct()
    .where('suite', '=', suite)
    .where('source', '!=', source)
    .where(sql<boolean>`name = any(${[...names]}::text[])`)
    .orderBy('name')
    .orderBy('source')
    .execute();
  for (const r of rows) if (!owners.has(r.name)) owners.set(r.name, r.source);
  return owners;
}

export function builtBinaryOf(
  info: Pick<DebInfo, 'package' | 'version' | 'architecture' | 'source' | 'sourceVersion'> & { autoBuilt?: string | undefined },
): BuiltBinary {
  return {
    package: info.package,
    version: info.version,
    architecture: info.architecture,
    source: info.source,
    sourceVersion: info.sourceVersion,
    autoBuilt: info.autoBuilt,
  };
}

/** Throws RepoError `ownership` naming the first binary the job may not publish. */
export async function refuseForeignBinaries(db: Db, suite: string, claim: BuildClaim, binaries: readonly BuiltBinary[]): Promise<void> {
  const owners = await loadOtherOwners(db, suite, [...new Set(binaries.map((b) => b.package))], claim.source);
  const violation = findOwnershipViolation(claim, binaries, owners);
  if (violation !== undefined) throw new RepoError('ownership', violation);
}

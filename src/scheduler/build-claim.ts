// What a job's build may publish (src/repo/filing/build-ownership.ts), read from the job and the
// .dsc the build actually used (a port's, or the one submitted).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact } from '../builders/builder.ts';
import type { Db } from '../db/in-transaction.ts';
import { getField } from '../debian/deb822.ts';
import { parseDsc } from '../debian/dsc.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { type BuildClaim, builtBinaryOf, findOwnershipViolation, loadOtherOwners } from '../repo/filing/build-ownership.ts';
import { inspectDeb } from '../repo/deb/inspect-deb.ts';
import { isRepoError } from '../repo/repo-error.ts';

const MAX_CONTROL_BYTES = 1024 * 1024;

/** The job's claim; `dscPath` is the built .dsc (null: the binaries the job recorded at intake). */
export async function readBuildClaim(db: Db, jobId: number, dscPath: string | null): Promise<BuildClaim> {
  const job = await db
    .selectFrom('jobs')
    .select(['source', 'version', 'arch', 'binaries', 'allow_takeover'])
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow();
  const claim: BuildClaim = {
    source: job.source,
    version: job.version ?? '',
    arch: job.arch,
    declared: job.binaries,
    allowTakeover: job.allow_takeover,
  };
  if (dscPath === null) return claim;
  try {
    const dsc = parseDsc(await readFile(dscPath, 'utf8'));
    // A .dsc of another source declares nothing for this job.
    if (dsc.source !== job.source) return { ...claim, declared: [] };
    return { ...claim, version: claim.version || dsc.version, declared: [...new Set([...dsc.binaries, ...dsc.packageList])] };
  } catch (error) {
    if (error instanceof DebianParseError) return { ...claim, declared: [] };
    throw error;
  }
}

/**
 * Before a built attempt is settled: the first of its binaries the job may not publish, as
 * `<package> <version>: <rule>`. A .deb that cannot be read is left to publication to refuse.
 */
export async function checkBuildOwnership(
  db: Db,
  options: { suite: string; architectures: string[]; maxUnpackedBytes: number },
  jobId: number,
  artifactDir: string,
  artifacts: readonly Artifact[],
): Promise<string | undefined> {
  const dsc = artifacts.find((a) => a.kind === 'source' && a.name.endsWith('.dsc'));
  const claim = await readBuildClaim(db, jobId, dsc ? path.join(artifactDir, dsc.name) : null);
  const binaries = [];
  for (const deb of artifacts.filter((a) => a.kind === 'deb')) {
    try {
      const info = await inspectDeb(path.join(artifactDir, deb.name), {
        allowedArchitectures: [...options.architectures, 'all'],
        maxControlBytes: MAX_CONTROL_BYTES,
        maxUncompressedBytes: options.maxUnpackedBytes,
      });
      binaries.push(builtBinaryOf({ ...info, autoBuilt: getField(info.control, 'Auto-Built-Package')?.trim() }));
    } catch (error) {
      if (!isRepoError(error)) throw error;
    }
  }
  const owners = await loadOtherOwners(db, options.suite, [...new Set(binaries.map((b) => b.package))], claim.source);
  return findOwnershipViolation(claim, binaries, owners);
}

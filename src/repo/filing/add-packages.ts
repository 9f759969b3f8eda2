// Adding packages to the repository: the one path by which the admin API (seeding) and the
// build pipeline (published jobs) add what apt clients see. addPackages verifies every .deb (and
// .dsc), puts the files in the pool and records one row per package; nothing is published yet
// (publish/publish-repository.ts publishes, and publishPackages does both).
//
// A refused input changes nothing. Each .deb is linked into the pool as soon as it has been
// inspected, but no row (so no index) names it before the request commits, and a refused
// request takes its files back (pool/pool-changes.ts says how that stays safe next to concurrent
// requests). Conflicts with what the repository holds are found before any row is written,
// and once more, under the suite's row lock, in the transaction that writes them.
import type { Db } from '../../db/in-transaction.ts';
import { type EarlyPlacement, PoolChanges } from '../pool/pool-changes.ts';
import type { Repository } from '../repository.ts';
import { loadExistingPackages, loadExistingSources } from '../rows/existing-rows.ts';
import type { RepoPackage } from '../rows/list-packages.ts';
import { type BuildClaim, builtBinaryOf, refuseForeignBinaries } from './build-ownership.ts';
import { inspectDebs, inspectSources } from './inspect-inputs.ts';
import { type AddOutcome, becomesRow, decideAll, dedupeRequest, namesOf } from './outcomes.ts';
import type { PreparedDeb } from './prepare-deb.ts';
import { recordRows } from './record-rows.ts';
import { settleFiles } from './settle-files.ts';

export interface SourceInput {
  /** The .dsc: its name in the pool and where the file is now. */
  dsc: { name: string; path: string };
  /** Every file the .dsc lists, by the name it lists. */
  files: { name: string; path: string }[];
}

/** A package inspected and linked into the pool already (early-filing.ts). */
export interface FiledEarly extends PreparedDeb {
  placed: EarlyPlacement;
}

/** What filing packages early did to the pool, and what to wait for before taking it back. */
export interface EarlyPoolChanges {
  changes: PoolChanges;
  /** Settles once no filing is under way any more. */
  settled(): Promise<void>;
}

export interface AddPackagesInput {
  /** `filed`: the package filed already (early-filing.ts), for all or none, with `early`. */
  debs: { path: string; filed?: Promise<FiledEarly> }[];
  early?: EarlyPoolChanges;
  sources?: SourceInput[];
  /** The build job the packages come from, if any. */
  jobId?: number | null;
  /** Replace a package already in the repository under the same name and version. */
  force?: boolean;
  /** A build's packages: published only when each is the job's own (build-ownership.ts). */
  claim?: BuildClaim;
}

export interface AddedPackage extends RepoPackage {
  outcome: AddOutcome;
}

export interface AddedSource {
  name: string;
  version: string;
  directory: string;
  outcome: AddOutcome;
}

export interface AddPackagesResult {
  packages: AddedPackage[];
  sources: AddedSource[];
  /** The contents generation that holds these packages; publish at least this one. */
  generation: number;
}

/**
 * Verifies and adds packages (and source packages) to the repository's contents. Does not
 * publish: call publishRepository with the returned generation (or use publishPackages).
 * Throws RepoError, having changed nothing, when any input is refused.
 */
export async function addPackages(db: Db, repo: Repository, input: AddPackagesInput): Promise<AddPackagesResult> {
  const changes = input.early?.changes ?? new PoolChanges(repo.settings.dir);
  try {
    return await fileAndRecord(db, repo, input, changes);
  } catch (err) {
    // A batch still out would link files after they were taken back.
    await input.early?.settled();
    await changes.undo(db, repo.settings.suite);
    throw err;
  }
}

async function fileAndRecord(db: Db, repo: Repository, input: AddPackagesInput, changes: PoolChanges): Promise<AddPackagesResult> {
  const { suite, keepVersions, dir } = repo.settings;
  const force = input.force ?? false;
  const claim = input.claim;

  const started = performance.now();
  const debs = await inspectDebs(repo, input.debs, changes);
  if (claim)
    await refuseForeignBinaries(
      db,
      suite,
      claim,
      debs.map((c) => builtBinaryOf(c.info)),
    );
  const sources = await inspectSources(repo, input.sources ?? [], changes);
  dedupeRequest(debs, sources);
  // Refuse conflicts before writing anything; the transaction decides again, under the
  // suite's row lock, in case another request got there first.
  const existingDebs = await loadExistingPackages(db, suite, namesOf(debs));
  const existingSources = await loadExistingSources(db, suite, [...new Set(sources.map((c) => c.name))]);
  decideAll(debs, sources, existingDebs, existingSources, { force, keepVersions });
  const inspected = performance.now();
  const settled = new Set([
    ...debs.filter(becomesRow).map((c) => c.poolPath),
    ...sources.filter(becomesRow).flatMap((c) => c.files.map((f) => f.poolPath)),
  ]);
  let filed = inspected;

  // What early linking left open, and the source packages' files, are settled while the
  // transaction records the rows; it commits only once every file is in place and durable,
  // so no row (and no publication) ever names a pool file that is not there.
  const placement = settleFiles(dir, debs, sources, changes).then(() => {
    filed = performance.now();
  });
  // Observed by the transaction, and awaited below whatever the transaction does.
  placement.catch(() => undefined);

  const recording = recordRows(db, {
    suite,
    keepVersions,
    force,
    jobId: input.jobId ?? null,
    claim,
    debs,
    sources,
    settled,
    placement,
    changes,
  });
  let generation: number;
  try {
    generation = await recording;
  } finally {
    // Never leave the filing running on its own (a refusal in the transaction settles first).
    await placement.catch(() => undefined);
  }
  changes.keep();

  const outcomeOf = <C extends { outcome: AddOutcome; duplicateOf?: C }>(c: C): AddOutcome => (c.duplicateOf ?? c).outcome;
  const counts: Partial<Record<AddOutcome, number>> = {};
  for (const c of [...debs, ...sources]) counts[outcomeOf(c)] = (counts[outcomeOf(c)] ?? 0) + 1;
  repo.log?.info(
    {
      generation,
      packages: debs.length,
      sources: sources.length,
      outcomes: counts,
      jobId: input.jobId ?? null,
      inspectMs: Math.round(inspected - started),
      poolMs: Math.round(filed - inspected),
      recordMs: Math.round(performance.now() - filed),
    },
    'added packages to the repository',
  );
  return {
    packages: debs.map((c) => ({
      name: c.info.package,
      version: c.info.version,
      architecture: c.info.architecture,
      source: c.info.source,
      sourceVersion: c.info.sourceVersion,
      filename: c.poolPath,
      size: c.info.size,
      sha256: c.info.sha256,
      outcome: outcomeOf(c),
    })),
    sources: sources.map((c) => ({ name: c.name, version: c.version, directory: c.directory, outcome: outcomeOf(c) })),
    generation,
  };
}

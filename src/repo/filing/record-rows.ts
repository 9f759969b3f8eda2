// The last step of adding packages, in one transaction under the suite's row lock: the outcomes
// decided again against what is committed now, the rows written by the keep-newest rule, the
// request's files that no row names taken back, and the next generation, once the pool files
// are in place and durable.
import { sql } from 'kysely';
import { inTransaction, type Db } from '../../db/in-transaction.ts';
import type { PoolChanges } from '../pool/pool-changes.ts';
import { RepoError } from '../repo-error.ts';
import { loadExistingPackages, loadExistingSources, packageKey } from '../rows/existing-rows.ts';
import { keepNewestVersions } from '../rows/keep-newest.ts';
import { insertPackageRows } from '../rows/package-rows.ts';
import { lockSuite, setSuiteGeneration } from '../rows/suite-generation.ts';
import { type BuildClaim, builtBinaryOf, refuseForeignBinaries } from './build-ownership.ts';
import { becomesRow, decideAll, type DebCandidate, namesOf, type SourceCandidate } from './outcomes.ts';

export interface RowsToRecord {
  suite: string;
  keepVersions: number;
  force: boolean;
  jobId: number | null;
  claim: BuildClaim | undefined;
  debs: DebCandidate[];
  sources: SourceCandidate[];
  /** The pool paths `placement` puts in place: those the outcomes decided before needed. */
  settled: ReadonlySet<string>;
  /** Settling the pool files; the transaction commits only after it. */
  placement: Promise<void>;
  changes: PoolChanges;
}

/** Records the rows; resolves with the generation that holds them. */
export function recordRows(db: Db, r: RowsToRecord): Promise<number> {
  const { suite, keepVersions, debs, sources, settled, changes, jobId, claim } = r;
  const opts = { force: r.force, keepVersions };
  return inTransaction(db, async (trx) => {
    const current = await lockSuite(trx, suite);
    const existingDebs = await loadExistingPackages(trx, suite, namesOf(debs));
    const existingSources = await loadExistingSources(trx, suite, [...new Set(sources.map((c) => c.name))]);
    decideAll(debs, sources, existingDebs, existingSources, opts);
    // Again under the lock: another source may have published one of these names meanwhile.
    if (claim)
      await refuseForeignBinaries(
        trx,
        suite,
        claim,
        debs.map((c) => builtBinaryOf(c.info)),
      );
    const unplaced = [
      ...debs.filter((c) => becomesRow(c) && !settled.has(c.poolPath)),
      ...sources.filter((c) => becomesRow(c) && c.files.some((f) => !settled.has(f.poolPath))),
    ];
    if (unplaced.length > 0) {
      // Another request removed a package between our two looks; the files we skipped are needed after all.
      throw new RepoError('changed-meanwhile', 'the repository changed while the packages were being added; send them again');
    }
    const next = current + 1;

    // Rows to insert, then the newest keepVersions per (name, architecture), per source, stay.
    const insertDebs = debs.filter(becomesRow);
    const removeDebs = new Set(insertDebs.flatMap((c) => c.replaces));
    const tooOldDebs = keepNewestVersions(
      existingDebs,
      insertDebs,
      (c) => packageKey(c.info.package, c.info.architecture),
      (c) => c.info.version,
      keepVersions,
      removeDebs,
    );
    for (const c of tooOldDebs) c.outcome = 'not-indexed';
    const insertSources = sources.filter(becomesRow);
    const removeSources = new Set(insertSources.flatMap((c) => c.replaces));
    for (const c of keepNewestVersions(
      existingSources,
      insertSources,
      (c) => c.name,
      (c) => c.version,
      keepVersions,
      removeSources,
    ))
      c.outcome = 'not-indexed';

    const debRows = insertDebs.filter((c) => c.outcome !== 'not-indexed');
    const sourceRows = insertSources
      .filter((c) => c.outcome !== 'not-indexed')
      .map((c) => ({
        suite,
        name: c.name,
        version: c.version,
        directory: c.directory,
        pool_paths: c.files.map((f) => f.poolPath),
        stanza: c.stanza,
        job_id: jobId,
        generation: next,
      }));
    const unchanged = debRows.length + sourceRows.length + removeDebs.size + removeSources.size === 0;
    if (!unchanged) {
      const removeDebIds = [...removeDebs];
      if (removeDebIds.length > 0)
        await trx
          .deleteFrom('repo_packages')
          .where(sql<boolean>`id = any(${removeDebIds}::bigint[])`)
          .execute();
      if (removeSources.size > 0)
        await trx
          .deleteFrom('repo_sources')
          .where('id', 'in', [...removeSources])
          .execute();
      await insertPackageRows(
        trx,
        { suite, jobId, generation: next },
        debRows.map(({ info, poolPath, stanza }) => ({
          name: info.package,
          version: info.version,
          architecture: info.architecture,
          source: info.source,
          sourceVersion: info.sourceVersion,
          poolPath,
          size: info.size,
          sha256: info.sha256,
          md5: info.md5,
          stanza,
        })),
      );
      if (sourceRows.length > 0) await trx.insertInto('repo_sources').values(sourceRows).execute();
    }
    await r.placement;
    // Files this request linked that none of its rows names (older than the versions kept,
    // or in the repository already) go now; files it found in place must still be there.
    const named = new Map(debRows.map((c) => [c.poolPath, { source: c.path, sha256: c.info.sha256 }]));
    await changes.removeUnreferenced(
      trx,
      debs.map((c) => c.poolPath).filter((p) => !named.has(p)),
    );
    await changes.checkReliedOn(named);
    if (unchanged) return current;
    await setSuiteGeneration(trx, suite, next);
    return next;
  });
}

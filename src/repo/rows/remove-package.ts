// Taking a package out of the index.
import { inTransaction, type Db } from '../../db/in-transaction.ts';
import { compareVersions } from '../../debian/version.ts';
import { RepoError } from '../repo-error.ts';
import type { Repository } from '../repository.ts';
import { lockSuite, setSuiteGeneration } from './suite-generation.ts';

export interface RemovedPackage {
  name: string;
  version: string;
  architecture: string;
  filename: string;
}

/**
 * Takes every architecture of `name` `version` out of the index (the pool file stays for
 * the grace period). Does not publish; see unpublishPackage.
 */
export async function removePackage(
  db: Db,
  repo: Repository,
  target: { name: string; version: string },
): Promise<{ removed: RemovedPackage[]; generation: number }> {
  const { suite } = repo.settings;
  return inTransaction(db, async (trx) => {
    const current = await lockSuite(trx, suite);
    const rows = await trx
      .selectFrom('repo_packages')
      .select(['id', 'name', 'version', 'architecture', 'pool_path'])
      .where('suite', '=', suite)
      .where('name', '=', target.name)
      .execute();
    const matching = rows.filter((r) => compareVersions(r.version, target.version) === 0);
    if (matching.length === 0) {
      throw new RepoError('not-found', `${target.name} ${target.version} is not in the repository`);
    }
    await trx
      .deleteFrom('repo_packages')
      .where(
        'id',
        'in',
        matching.map((r) => r.id),
      )
      .execute();
    const generation = current + 1;
    await setSuiteGeneration(trx, suite, generation);
    return {
      removed: matching.map((r) => ({ name: r.name, version: r.version, architecture: r.architecture, filename: r.pool_path })),
      generation,
    };
  });
}

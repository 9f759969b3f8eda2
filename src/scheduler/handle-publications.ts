// What the scheduler does when the repository publishes: rebuild the direct dependents of
// newer packages (once per publication, whichever replica gets here first) and move dep-wait
// jobs whose relations are now satisfied back to the queue. Called after each publish of the
// pipeline, and by the pipeline's watcher when a publication or a new dep-wait shows up.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type {} from '../db/dependency-tables.ts';
import type {} from '../db/repo-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { type DepWaitResolution, type MatchOptions, resolveDepWaits } from './dep-wait.ts';
import { queueRebuilds, type QueuedRebuild } from './rebuild-dependents.ts';

export interface PublicationHandling extends Omit<MatchOptions, 'hostArch'> {
  suite: string;
  /** The architectures whose profile rebuilds dependents (rebuildOnDependencyChange, default true). */
  rebuildArches: readonly string[];
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export async function handlePublications(
  db: Db,
  options: PublicationHandling,
): Promise<{ rebuilds: QueuedRebuild[]; requeued: DepWaitResolution[] }> {
  const rebuilds = await inTransaction(db, async (trx) => {
    await trx
      .insertInto('dependency_watch')
      .values({ suite: options.suite, handled_generation: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const { handled_generation: handled } = await trx
      .selectFrom('dependency_watch')
      .select('handled_generation')
      .where('suite', '=', options.suite)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const suite = await trx
      .selectFrom('repo_suites')
      .select('published_generation')
      .where('suite', '=', options.suite)
      .executeTakeFirstOrThrow();
    const published = Number(suite.published_generation ?? 0);
    if (published <= Number(handled)) return [];
    const added = await trx
      .selectFrom('repo_packages as p')
      .leftJoin('jobs as j', 'j.id', 'p.job_id')
      .select(['p.name', 'p.version', 'p.architecture', 'p.source'])
      .where('p.suite', '=', options.suite)
      .where('p.generation', '>', Number(handled))
      .where('p.generation', '<=', published)
      // A binNMU's packages trigger nothing (rebuild=direct).
      .where('j.binnmu', 'is', null)
      .execute();
    const queued = options.rebuildArches.length > 0 ? await queueRebuilds(trx, added, options) : [];
    await trx
      .updateTable('dependency_watch')
      .set({ handled_generation: published, updated_at: sql<Date>`now()` })
      .where('suite', '=', options.suite)
      .execute();
    return queued;
  });
  const requeued = await resolveDepWaits(db, options);
  return { rebuilds, requeued };
}

// Publishing what the repository holds, after packages were added or taken out:
//
//   publishRepository wait for a publication that shows everything committed so far
//   publishPackages   addPackages, then a publication that shows them
//   unpublishPackage  removePackage, then a publication that no longer lists it
import type { Db } from '../../db/in-transaction.ts';
import { addPackages, type AddPackagesInput, type AddPackagesResult } from '../filing/add-packages.ts';
import type { Repository } from '../repository.ts';
import { removePackage, type RemovedPackage } from '../rows/remove-package.ts';
import type { PublishOutcome } from './publisher.ts';

/**
 * Resolves once the files under dists/ show at least `generation` (by default: everything
 * committed before the call). Coalesces with other requests; see publisher.ts.
 */
export async function publishRepository(db: Db, repo: Repository, opts: { generation?: number } = {}): Promise<PublishOutcome> {
  if (opts.generation !== undefined && repo.publisher.knownPublished >= opts.generation) {
    return { generation: repo.publisher.knownPublished, skipped: true, durationMs: 0 };
  }
  return repo.publisher.request(db);
}

/**
 * The packages are in the repository's contents, but the files apt reads could not be written:
 * the publisher tries again by itself (see RepoPublisher.publicationFailure).
 */
export class PublicationPendingError extends Error {
  override readonly name = 'PublicationPendingError';
  constructor(
    readonly generation: number,
    cause: unknown,
  ) {
    super(
      `the packages were added (generation ${generation}) but the repository could not be published: ${cause instanceof Error ? cause.message : String(cause)}; it is tried again until it works`,
      { cause },
    );
  }
}

/** addPackages, then a publication that shows them: what the admin API and the pipeline call. */
export async function publishPackages(
  db: Db,
  repo: Repository,
  input: AddPackagesInput,
): Promise<AddPackagesResult & { publication: PublishOutcome }> {
  const added = await addPackages(db, repo, input);
  try {
    const publication = await publishRepository(db, repo, { generation: added.generation });
    return { ...added, publication };
  } catch (error) {
    throw new PublicationPendingError(added.generation, error);
  }
}

/** removePackage, then a publication that no longer lists it. */
export async function unpublishPackage(
  db: Db,
  repo: Repository,
  target: { name: string; version: string },
): Promise<{ removed: RemovedPackage[]; publication: PublishOutcome }> {
  const { removed, generation } = await removePackage(db, repo, target);
  return { removed, publication: await publishRepository(db, repo, { generation }) };
}

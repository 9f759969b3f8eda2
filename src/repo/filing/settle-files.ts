// Putting a request's files in the pool for good: what linking each .deb right after inspection
// left open, and the source packages' files, then all of it made durable. Runs while the rows
// are recorded; the transaction commits only once this is done.
import { join } from 'node:path';
import { mapLimited } from '../../map-limited.ts';
import { hashFile } from '../../stream-hash.ts';
import type { PoolChanges } from '../pool/pool-changes.ts';
import { addToPool } from '../pool/pool-store.ts';
import { RepoError } from '../repo-error.ts';
import { becomesRow, type DebCandidate, type SourceCandidate } from './outcomes.ts';

const POOL_CONCURRENCY = 16;

/**
 * Finishes what linking a package into the pool right after inspection left open: a file
 * that was there already is compared (the same bytes are relied on, different ones refused
 * unless forced), a source that may have changed is hashed, one that could not be linked
 * is copied.
 */
async function settleDeb(repoDir: string, c: DebCandidate, force: boolean, changes: PoolChanges): Promise<void> {
  const { poolPath, path, info } = c;
  if (c.placed === 'verify') {
    const { sha256 } = await hashFile(join(repoDir, poolPath), ['sha256']);
    if (sha256 !== info.sha256) throw new Error(`${path} changed since it was inspected (SHA-256 ${sha256}, expected ${info.sha256})`);
    return;
  }
  if (c.placed === 'existing') {
    const found = await changes.relyOnIfSame(poolPath, info.sha256);
    if (found?.same) return;
    if (found && !force) {
      throw new RepoError(
        'pool-conflict',
        `${poolPath} already exists with different content (SHA-256 ${found.sha256}, new ${info.sha256}); it belongs to an earlier build of the same version that clients may still fetch, or to another request adding it right now`,
      );
    }
  }
  const added = await addToPool(repoDir, path, poolPath, { expectedSha256: info.sha256, force });
  if (added.action === 'added') changes.adopt(poolPath);
  else if (added.action === 'already-present' && !(await changes.relyOnIfSame(poolPath, info.sha256))?.same) {
    throw new RepoError('changed-meanwhile', `${poolPath} changed while it was being added; send the packages again`);
  }
}

/** Settles every file the candidates' outcomes (as decided now) need in the pool, then makes them durable. */
export async function settleFiles(repoDir: string, debs: DebCandidate[], sources: SourceCandidate[], changes: PoolChanges): Promise<void> {
  await mapLimited(
    // `force` as decided now: the transaction may decide again meanwhile.
    debs.filter((c) => becomesRow(c) && c.placed !== 'created').map((c) => ({ c, force: c.outcome === 'replaced' })),
    POOL_CONCURRENCY,
    ({ c, force }) => settleDeb(repoDir, c, force, changes),
  );
  await mapLimited(
    sources.filter(becomesRow).flatMap((c) => c.files.map((f) => ({ ...f, force: c.outcome === 'replaced' }))),
    POOL_CONCURRENCY,
    async (f) => {
      const placed = await addToPool(repoDir, f.path, f.poolPath, { expectedSha256: f.sha256, force: f.force });
      if (placed.action === 'added') changes.adopt(f.poolPath);
    },
  );
  await changes.makeDurable();
}

// Hard-linking one inspected package into the pool, with synchronous calls: a few microseconds
// each, where a thread-pool round trip costs ten times as much. The main thread does it for a
// few packages (pool-changes.ts), the filing threads for a bulk upload's (filing/file-early.ts);
// either way PoolChanges records what it did, so that a refusal can take it back.
import { chmodSync, linkSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FileIdentity } from '../deb/inspect-deb.ts';
import { RepoError } from '../repo-error.ts';
import { assertRelativeRepoPath } from './pool-path.ts';

/**
 * What linking a package into the pool did. created: linked, provably the inspected file.
 * verify: linked, but the source may have changed since it was inspected (hash it).
 * existing: a file was there already (compare it). copy: no hard link possible here (another
 * file system, a directory removed meanwhile): addToPool copies it.
 */
export type EarlyPlacement = 'created' | 'verify' | 'existing' | 'copy';

export interface Linked {
  placement: EarlyPlacement;
  /** The pool directory (absolute) and the first directory its mkdir created, if it created one. */
  directory: string;
  madeFrom: string | undefined;
}

/** Refuses a pool path that is not a safe repository path under pool/, or names a dot file. */
export function assertPoolFilePath(poolPath: string): void {
  assertRelativeRepoPath(poolPath, 'pool/');
  if (basename(poolPath).startsWith('.')) throw new RepoError('bad-path', `${poolPath}: pool file names cannot start with a dot`);
}

/**
 * Hard-links `source` to `poolPath` unless a file is there, making its directory first unless
 * `made` holds it (this request made it already: a mkdir per package is most of the cost).
 */
export function linkIntoPool(
  repoDir: string,
  source: string,
  poolPath: string,
  inspected: FileIdentity | undefined,
  made: { has(directory: string): boolean },
): Linked {
  assertPoolFilePath(poolPath);
  const target = join(repoDir, poolPath);
  const directory = dirname(target);
  const madeFrom = made.has(directory) ? undefined : mkdirSync(directory, { recursive: true });
  const linked = (placement: EarlyPlacement): Linked => ({ placement, directory, madeFrom });
  try {
    // Straight to the final name: link() never replaces a file, so nobody sees a partial one.
    linkSync(source, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return linked('existing');
    // ENOENT: garbage collection removed the directory meanwhile; EXDEV and the like: no links.
    return linked('copy');
  }
  const info = statSync(target);
  // Served over HTTP and handed read-only into builders; the source is our staging copy.
  if ((info.mode & 0o777) !== 0o644) chmodSync(target, 0o644);
  const same =
    inspected &&
    info.dev === inspected.dev &&
    info.ino === inspected.ino &&
    info.size === inspected.size &&
    info.mtimeMs === inspected.mtimeMs;
  return linked(same ? 'created' : 'verify');
}

// Hard-linking one inspected package into the pool (or writing one held in memory there), with
// synchronous calls: a few microseconds each, where a thread-pool round trip costs ten times as
// much. The main thread does it for a few packages (pool-changes.ts), the filing threads for a
// bulk upload's (filing/file-deb-early.ts);
// either way PoolChanges records what it did, so that a refusal can take it back.
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tempPathFor } from '../../atomic-write.ts';
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
  return linked(sameFile(info, inspected) ? 'created' : 'verify');
}

/**
 * Writes a package held in memory straight into its pool directory, under a temporary name
 * (atomic-write.ts: never served, swept after a crash), and links that to `poolPath` unless a
 * file is there: one new file where staging it first cost two (and a staging directory of
 * thousands of entries is the slowest place to create one). The temporary name is gone on
 * return, except when the package did not reach its pool path ('existing', 'copy'): it is then
 * moved to `keepAt`, the staging path, where settling the request reads it.
 */
export function writeIntoPool(
  repoDir: string,
  bytes: Buffer,
  poolPath: string,
  keepAt: string,
  made: { has(directory: string): boolean },
): Linked & { written: FileIdentity } {
  assertPoolFilePath(poolPath);
  const target = join(repoDir, poolPath);
  const directory = dirname(target);
  const madeFrom = made.has(directory) ? undefined : mkdirSync(directory, { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const written = writeNewFile(tmp, bytes);
    let placement: EarlyPlacement | undefined;
    try {
      linkSync(tmp, target);
    } catch (err) {
      // EEXIST: compared when settled; anything else (no hard links here): copied then.
      placement = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'existing' : 'copy';
    }
    if (placement === undefined) {
      const info = statSync(target, { throwIfNoEntry: false });
      return { placement: sameFile(info, written) ? 'created' : 'verify', directory, madeFrom, written };
    }
    try {
      renameSync(tmp, keepAt);
    } catch {
      // Staging on another file system, or its folder removed: written there anew.
      writeNewFile(keepAt, bytes, true);
    }
    return { placement, directory, madeFrom, written };
  } catch (err) {
    // Nothing of this package reached the pool: neither may a directory made for it.
    removeQuietly(tmp);
    if (madeFrom !== undefined) removeEmptyDirectories(directory, madeFrom);
    throw err;
  } finally {
    removeQuietly(tmp);
  }
}

/** Best effort: a temporary name left behind is swept by garbage collection (TEMP_PREFIX). */
function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already (renamed to staging), or left for the sweep.
  }
}

/** rmdir from `directory` up to `top`, stopping at the first that is not empty. */
function removeEmptyDirectories(directory: string, top: string): void {
  for (let d = directory; d.length >= top.length; d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** Creates `path` (never over another file) holding `bytes`, mode 0644; its identity as written. */
export function writeNewFile(path: string, bytes: Uint8Array, makeFolder = false): FileIdentity {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if (!makeFolder || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'wx', 0o644);
  }
  try {
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    const info = fstatSync(fd);
    // Served over HTTP and handed read-only into builders, whatever the umask.
    if ((info.mode & 0o777) !== 0o644) fchmodSync(fd, 0o644);
    return { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function sameFile(info: Stats | undefined, inspected: FileIdentity | undefined): boolean {
  return (
    info !== undefined &&
    inspected !== undefined &&
    info.dev === inspected.dev &&
    info.ino === inspected.ino &&
    info.size === inspected.size &&
    info.mtimeMs === inspected.mtimeMs
  );
}

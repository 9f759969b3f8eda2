// Puts a verified file into the pool. A pool path, once it exists, always holds the same
// bytes: clients with an older index may still be fetching it, and apt checks the hash, so a
// different file under the same name+version is a conflict (as in reprepro and aptly), not
// an update — unless the caller forces it.
import { spawn } from 'node:child_process';
import { chmod, copyFile, link, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncPath, tempPathFor } from '../../atomic-write.ts';
import { hashFile } from '../../stream-hash.ts';
import { assertRelativeRepoPath } from './pool-path.ts';
import { RepoError } from '../repo-error.ts';

export interface AddToPoolOptions {
  /** Replace a different file already at the path (breaks clients holding the old index). */
  force?: boolean;
  /** The SHA-256 inspectDeb computed; the copy is checked against it before it goes live. */
  expectedSha256?: string;
}

export interface AddToPoolResult {
  /** Repository-relative, as given. */
  poolPath: string;
  action: 'added' | 'already-present' | 'replaced';
  /** True when the pool file is a hard link to the source (same filesystem). */
  linked: boolean;
  sha256: string;
  size: number;
}

/** Hard link when possible (aptly does the same), else a copy; either way under a temporary name. */
async function placeTemporary(sourceFile: string, tmp: string): Promise<boolean> {
  try {
    await link(sourceFile, tmp);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EXDEV: another filesystem; EPERM/ENOTSUP: no hard links there (or protected_hardlinks).
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
  }
  await copyFile(sourceFile, tmp);
  return false;
}

async function addOnce(repoDir: string, sourceFile: string, poolRelPath: string, opts: AddToPoolOptions): Promise<AddToPoolResult> {
  const target = join(repoDir, poolRelPath);
  await mkdir(dirname(target), { recursive: true });
  // A temporary name as atomic-write.ts gives them, so collectGarbage knows it and it is never served.
  const tmp = tempPathFor(target);
  const linked = await placeTemporary(sourceFile, tmp);
  try {
    const { sha256, size } = await hashFile(tmp, ['sha256']);
    if (opts.expectedSha256 !== undefined && sha256 !== opts.expectedSha256) {
      throw new Error(`${sourceFile} changed since it was inspected (SHA-256 ${sha256}, expected ${opts.expectedSha256})`);
    }
    // Served over HTTP and handed read-only into builder containers. With a hard link this
    // also changes the source's mode, which is the upload staging copy we own.
    await chmod(tmp, 0o644);
    await fsyncPath(tmp);
    const result = { poolPath: poolRelPath, linked, sha256, size };

    let existing: { sha256: string; size: number } | undefined;
    try {
      // link() refuses an existing name, so two concurrent adds cannot both "win" silently.
      await link(tmp, target);
      await fsyncPath(dirname(target));
      return { ...result, action: 'added' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      existing = await hashFile(target, ['sha256']);
    }
    if (existing.sha256 === sha256) return { ...result, action: 'already-present' };
    if (!opts.force) {
      throw new RepoError(
        'pool-conflict',
        `${poolRelPath} already exists with different content (SHA-256 ${existing.sha256}, new ${sha256}); the same name and version cannot be published twice with different bytes`,
      );
    }
    await rename(tmp, target);
    await fsyncPath(dirname(target));
    return { ...result, action: 'replaced' };
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Adds `sourceFile` to the pool at `poolRelPath` ("pool/main/z/zlib/zlib1g_….deb"),
 * atomically: readers see no file or the whole file. The source must not be modified
 * afterwards (it may be a hard link to the pool file); deleting it is fine.
 */
export async function addToPool(
  repoDir: string,
  sourceFile: string,
  poolRelPath: string,
  opts: AddToPoolOptions = {},
): Promise<AddToPoolResult> {
  assertRelativeRepoPath(poolRelPath, 'pool/');
  if (basename(poolRelPath).startsWith('.')) throw new RepoError('bad-path', `${poolRelPath}: pool file names cannot start with a dot`);
  const source = await lstat(sourceFile);
  if (!source.isFile()) throw new Error(`${sourceFile} is not a regular file`);
  try {
    return await addOnce(repoDir, sourceFile, poolRelPath, opts);
  } catch (err) {
    // collectGarbage may remove a directory that just became empty between our mkdir and
    // the link; that race is harmless, so try once more.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return addOnce(repoDir, sourceFile, poolRelPath, opts);
    throw err;
  }
}

/** syncfs(2) on the file system holding `dir`: one flush for many files. False if it cannot. */
export function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sync', ['--file-system', dir], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

// Puts a verified file into the pool. A pool path, once it exists, always holds the same
// bytes: clients with an older index may still be fetching it, and apt checks the hash, so a
// different file under the same name+version is a conflict (as in reprepro and aptly), not
// an update — unless the caller forces it.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, linkSync, mkdirSync, statSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileIdentity } from './deb-inspect.ts';
import { assertRelativeRepoPath } from './pool-path.ts';
import { RepoError } from './repo-error.ts';

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

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
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
  // Dot-prefixed like publication.ts's temporaries, so collectGarbage knows it and never serves it.
  const tmp = join(dirname(target), `.tmp-${randomBytes(6).toString('hex')}-${basename(target)}`);
  const linked = await placeTemporary(sourceFile, tmp);
  try {
    const { sha256, size } = await hashFile(tmp);
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
      existing = await hashFile(target);
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

export interface PoolPlacement {
  sourceFile: string;
  poolRelPath: string;
  /** The SHA-256 the file was inspected with. */
  sha256: string;
  force?: boolean;
  /**
   * The source as it was inspected. When the pool file is a hard link to that same inode,
   * unchanged in size and mtime, it is not read and hashed a second time.
   */
  inspected?: FileIdentity;
  /** The pool directory is known to exist (made while preparing); no mkdir. */
  dirReady?: boolean;
}

/** What linkIntoPool did: done, or which slower way addManyToPool must take. */
export type LinkOutcome = AddToPoolResult | 'fallback' | 'hash-existing' | 'fallback-verify';

/** Runs linkIntoPool over a batch, somewhere (in place, or on the filing threads). */
export type PoolLinker = (repoDir: string, placements: readonly PoolPlacement[]) => Promise<LinkOutcome[]>;

// Synchronous work is cut into slices of this many milliseconds, so requests keep flowing.
const YIELD_AFTER_MS = 10;

/** syncfs(2) on the file system holding `dir`: one flush for many files. */
function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sync', ['--file-system', dir], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/**
 * One file of addManyToPool, with synchronous system calls: for small files they cost a few
 * microseconds where a thread-pool round trip costs ten times as much. Returns 'fallback' for
 * what addToPool must do (copy, forced replace, a directory removed meanwhile).
 */
export function linkIntoPool(repoDir: string, p: PoolPlacement, made: Set<string>): LinkOutcome {
  const target = join(repoDir, p.poolRelPath);
  const dir = dirname(target);
  try {
    if (!p.dirReady && !made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    // Straight to the final name: no index names this path yet, and link() refuses to
    // replace an existing file, so nobody can see a partial or different file under it.
    linkSync(p.sourceFile, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'hash-existing';
    // ENOENT: collectGarbage removed the directory after it was made; the slow path retries.
    // Others (EXDEV: another file system): addToPool copies.
    return 'fallback';
  }
  const info = statSync(target);
  const same = p.inspected;
  if (!same || info.dev !== same.dev || info.ino !== same.ino || info.size !== same.size || info.mtimeMs !== same.mtimeMs) {
    return 'fallback-verify';
  }
  if ((info.mode & 0o777) !== 0o644) chmodSync(target, 0o644);
  return { poolPath: p.poolRelPath, action: 'added', linked: true, sha256: p.sha256, size: info.size };
}

/** A placement whose quick path did not settle it: hash and compare, or go through addToPool. */
async function addSlowly(repoDir: string, p: PoolPlacement, quick: Exclude<LinkOutcome, AddToPoolResult>): Promise<AddToPoolResult> {
  const target = join(repoDir, p.poolRelPath);
  if (quick === 'fallback-verify') {
    // Linked, but not provably the inspected file: read it.
    const { sha256, size } = await hashFile(target);
    if (sha256 !== p.sha256) {
      await unlink(target);
      throw new Error(`${p.sourceFile} changed since it was inspected (SHA-256 ${sha256}, expected ${p.sha256})`);
    }
    await chmod(target, 0o644);
    return { poolPath: p.poolRelPath, action: 'added', linked: true, sha256, size };
  }
  if (quick === 'hash-existing') {
    const existing = await hashFile(target);
    if (existing.sha256 === p.sha256) return { poolPath: p.poolRelPath, action: 'already-present', linked: false, ...existing };
    if (!p.force) {
      throw new RepoError(
        'pool-conflict',
        `${p.poolRelPath} already exists with different content (SHA-256 ${existing.sha256}, new ${p.sha256}); the same name and version cannot be published twice with different bytes`,
      );
    }
  }
  return addToPool(repoDir, p.sourceFile, p.poolRelPath, { expectedSha256: p.sha256, ...(p.force ? { force: true } : {}) });
}

/** linkIntoPool over a batch on this thread, yielding now and then so requests keep flowing. */
export const linkInPlace: PoolLinker = async (repoDir, placements) => {
  const made = new Set<string>();
  const outcomes: LinkOutcome[] = [];
  let sliceStart = performance.now();
  for (const p of placements) {
    outcomes.push(linkIntoPool(repoDir, p, made));
    if (performance.now() - sliceStart > YIELD_AFTER_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return outcomes;
};

/**
 * Adds many files to the pool at once (seeding thousands of packages): hard links straight
 * into place (by `linker`: in place, or on the filing threads), then one file-system sync
 * for all of them instead of two fsyncs each. Files that cannot be linked (another file
 * system) or that replace a different file (force) go through addToPool one by one.
 * Resolves once every file is durable.
 */
export async function addManyToPool(
  repoDir: string,
  placements: readonly PoolPlacement[],
  opts: { concurrency?: number; linker?: PoolLinker } = {},
): Promise<AddToPoolResult[]> {
  for (const p of placements) {
    assertRelativeRepoPath(p.poolRelPath, 'pool/');
    if (basename(p.poolRelPath).startsWith('.')) throw new RepoError('bad-path', `${p.poolRelPath}: pool file names cannot start with a dot`);
  }
  const results: AddToPoolResult[] = new Array(placements.length);
  const linked: string[] = [];
  const slow: { i: number; quick: Exclude<LinkOutcome, AddToPoolResult> }[] = [];
  const outcomes = await (opts.linker ?? linkInPlace)(repoDir, placements);
  outcomes.forEach((quick, i) => {
    if (typeof quick === 'string') slow.push({ i, quick });
    else results[i] = quick;
    if (typeof quick !== 'string' || quick === 'fallback-verify') linked.push(join(repoDir, placements[i]!.poolRelPath));
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency ?? 16, slow.length) }, async () => {
      while (next < slow.length) {
        const { i, quick } = slow[next++]!;
        results[i] = await addSlowly(repoDir, placements[i]!, quick);
      }
    }),
  );
  if (linked.length > 0 && !(await syncFileSystem(repoDir))) {
    // No sync tool: the slow way, each file and its directory.
    for (const file of linked) await fsyncPath(file);
    for (const dir of new Set(linked.map((f) => dirname(f)))) await fsyncPath(dir);
  }
  return results;
}

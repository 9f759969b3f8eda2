// Removes what no current Release references any more (by-hash indices, pool files), once it
// has been unreferenced for the grace period, and the temporary files a crash left.
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from '../../atomic-write.ts';
import type { Db } from '../../db/in-transaction.ts';
import type { Repository } from '../repository.ts';
import { poolFilesOfCurrentIndices } from './current-references.ts';
import { GC_STATE_FILE, type GcState, readGcState, writeGcState } from './gc-state.ts';

export { GC_STATE_FILE };

export interface GcOptions {
  /** How long a file stays after it was first seen unreferenced. */
  graceMs: number;
  /** Pool files (repository-relative, "pool/…") the database still publishes or is about to. */
  referencedPoolFiles: Set<string>;
  now?: Date;
}

export interface GcResult {
  deleted: string[];
  /** Unreferenced files still inside their grace period. */
  pending: { path: string; unreferencedSince: Date }[];
  /** Leftover temporary files (from a crash) that were removed. */
  removedTemporaries: string[];
}

async function walkFiles(root: string, rel: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const childRel = `${rel}/${entry.name}`;
    if (entry.isDirectory()) await walkFiles(root, childRel, out);
    else out.push(childRel);
  }
}

/**
 * Deletes by-hash files no current Release references and pool files that are neither in
 * `referencedPoolFiles` nor named by a current index, once they have been unreferenced for
 * `graceMs`. When a file stopped being referenced is tracked in GC_STATE_FILE rather than
 * read from mtime: a by-hash or pool file's mtime is when it was written, possibly months
 * before it was superseded, and using it would delete a file a client was just told about.
 * Must run under the same lock as writePublication.
 */
export async function collectGarbage(repoDir: string, opts: GcOptions): Promise<GcResult> {
  const now = (opts.now ?? new Date()).getTime();
  const statePath = join(repoDir, GC_STATE_FILE);
  const state = await readGcState(statePath);

  let suites: string[] = [];
  try {
    suites = (await readdir(join(repoDir, 'dists'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const current = await poolFilesOfCurrentIndices(repoDir, suites);

  const all: string[] = [];
  await walkFiles(repoDir, 'dists', all);
  await walkFiles(repoDir, 'pool', all);

  const removedTemporaries: string[] = [];
  const candidates: string[] = [];
  const emptied = new Set<string>();
  for (const rel of all) {
    if (basename(rel).startsWith(TEMP_PREFIX)) {
      // A temporary file is never referenced; one older than the grace period is a crash leftover.
      const info = await stat(join(repoDir, rel)).catch(() => undefined);
      if (info && now - info.mtimeMs >= opts.graceMs) {
        await unlink(join(repoDir, rel)).catch(() => undefined);
        removedTemporaries.push(rel);
        // A package written into the pool (filing/file-deb-early.ts) may have left its folder empty.
        emptied.add(dirname(rel));
      }
      continue;
    }
    if (rel.startsWith('pool/')) {
      if (!opts.referencedPoolFiles.has(rel) && !current.pool.has(rel)) candidates.push(rel);
    } else if (/\/by-hash\/SHA256\/[0-9a-f]{64}$/.test(rel)) {
      if (!current.byHash.has(rel)) candidates.push(rel);
    }
    // Plain-named files under dists/ are left alone: each publication replaces them.
  }

  const next: GcState = { version: 1, unreferencedSince: {} };
  const deleted: string[] = [];
  const pending: GcResult['pending'] = [];
  for (const rel of candidates) {
    const since = state.unreferencedSince[rel] ?? now;
    if (now - since >= opts.graceMs) {
      await unlink(join(repoDir, rel)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      deleted.push(rel);
      emptied.add(dirname(rel));
    } else {
      next.unreferencedSince[rel] = since;
      pending.push({ path: rel, unreferencedSince: new Date(since) });
    }
  }
  // Files referenced again, or gone, simply drop out of the state.
  await writeGcState(statePath, next);

  // Empty pool directories go too (pool/main/z/zlib/, then pool/main/z/), never pool/<component>.
  for (const dir of emptied) {
    let d = dir;
    while (d.startsWith('pool/') && d.split('/').length > 2) {
      try {
        await rmdir(join(repoDir, d));
      } catch {
        break;
      }
      d = dirname(d);
    }
  }
  return { deleted, pending, removedTemporaries };
}

/** Removes unreferenced pool and by-hash files whose grace period has passed. */
export async function collectRepositoryGarbage(db: Db, repo: Repository, opts: { now?: Date } = {}) {
  return repo.publisher.collect(db, opts.now);
}

// What one request to add packages does to the pool before its rows are committed, so that
// a refusal can take it back. Each .deb is hard-linked into the pool as soon as it has been
// inspected (linking it later would mean a second pass over thousands of files); until the
// request commits, no row and so no index names those files.
//
// Taking a file back must not pull it from under another request: one that found it there
// (same bytes) and relies on it. So files are removed only under the suite's row lock, and
// only when no committed row names them; and a request checks, under the same lock before
// it commits, that every file it found instead of creating is still the one it checked.
import { chmodSync, linkSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { inTransaction, type Db } from '../db/in-transaction.ts';
import type { FileIdentity } from './deb-inspect.ts';
import { assertRelativeRepoPath } from './pool-path.ts';
import { fsyncPath, syncFileSystem } from './pool-store.ts';
import { RepoError } from './repo-error.ts';

/**
 * What linking a package into the pool did. created: linked, provably the inspected file.
 * verify: linked, but the source may have changed since it was inspected (hash it).
 * existing: a file was there already (compare it). copy: no hard link possible here (another
 * file system, a directory removed meanwhile): addToPool copies it.
 */
export type EarlyPlacement = 'created' | 'verify' | 'existing' | 'copy';

// Up to this many new files, each is fsynced; more share one file-system sync.
const FSYNC_EACH_UP_TO = 8;

export class PoolChanges {
  /** Absolute directory → the first directory its mkdir created (undefined: it existed). */
  private readonly dirs = new Map<string, string | undefined>();
  /** Repository-relative pool paths this request linked. */
  private readonly created = new Set<string>();
  /** Pool paths this request found in place and relies on, as they were when compared. */
  private readonly reliedOn = new Map<string, { dev: number; ino: number }>();

  constructor(private readonly repoDir: string) {}

  /** Makes a (repository-relative) pool directory, remembering what it created. */
  makeDirectory(relDir: string): void {
    const abs = join(this.repoDir, relDir);
    if (this.dirs.has(abs)) return;
    this.dirs.set(abs, mkdirSync(abs, { recursive: true }));
  }

  /**
   * Hard-links `source` to `poolPath` unless a file is there. Synchronous: a few
   * microseconds each, where a thread-pool round trip costs ten times as much.
   */
  link(source: string, poolPath: string, inspected: FileIdentity | undefined): EarlyPlacement {
    assertRelativeRepoPath(poolPath, 'pool/');
    if (basename(poolPath).startsWith('.')) throw new RepoError('bad-path', `${poolPath}: pool file names cannot start with a dot`);
    const target = join(this.repoDir, poolPath);
    this.makeDirectory(dirname(poolPath));
    try {
      // Straight to the final name: link() never replaces a file, so nobody sees a partial one.
      linkSync(source, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'existing';
      // ENOENT: garbage collection removed the directory meanwhile; EXDEV and the like: no links.
      return 'copy';
    }
    this.created.add(poolPath);
    const info = statSync(target);
    // Served over HTTP and handed read-only into builders; the source is our staging copy.
    if ((info.mode & 0o777) !== 0o644) chmodSync(target, 0o644);
    const same = inspected && info.dev === inspected.dev && info.ino === inspected.ino && info.size === inspected.size && info.mtimeMs === inspected.mtimeMs;
    return same ? 'created' : 'verify';
  }

  /** Notes that a file found at `poolPath` was compared and is relied on from now. */
  relyOn(poolPath: string): void {
    const info = lstatSync(join(this.repoDir, poolPath));
    this.reliedOn.set(poolPath, { dev: info.dev, ino: info.ino });
  }

  /**
   * Under the suite's lock, before committing rows naming `poolPaths`: every file among them
   * that this request found rather than created is still the one it compared.
   */
  checkReliedOn(poolPaths: Iterable<string>): void {
    for (const poolPath of poolPaths) {
      const was = this.reliedOn.get(poolPath);
      if (!was) continue;
      const now = lstatSync(join(this.repoDir, poolPath), { throwIfNoEntry: false });
      if (!now || now.dev !== was.dev || now.ino !== was.ino) {
        throw new Error(`${poolPath} was taken away by another request while this one was being added; send the packages again`);
      }
    }
  }

  /** Makes every file this request linked, and its directory entry, durable. */
  async makeDurable(): Promise<void> {
    if (this.created.size === 0) return;
    const files = [...this.created].map((p) => join(this.repoDir, p));
    if (files.length <= FSYNC_EACH_UP_TO || !(await syncFileSystem(this.repoDir))) {
      for (const file of files) await fsyncPath(file);
      for (const dir of new Set(files.map((f) => dirname(f)))) await fsyncPath(dir);
    }
  }

  /**
   * Inside a transaction that holds the suite's row lock: removes those of `poolPaths` this
   * request created that no row names.
   */
  async removeUnreferenced(trx: Db, poolPaths: Iterable<string>): Promise<void> {
    const ours = [...poolPaths].filter((p) => this.created.has(p));
    if (ours.length === 0) return;
    const named = await trx
      .selectFrom('repo_packages')
      .select('pool_path')
      .where(sql<boolean>`pool_path = any(${ours}::text[])`)
      .execute();
    const keep = new Set(named.map((r) => r.pool_path));
    for (const p of ours) {
      if (keep.has(p)) continue;
      await unlink(join(this.repoDir, p)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.created.delete(p);
    }
  }

  /** The request committed: what it did to the pool stays. */
  keep(): void {
    this.created.clear();
    this.dirs.clear();
  }

  /**
   * Takes back what this request did: its files that no row names (under the suite's lock),
   * then the directories it made, if empty. Best effort: what stays is unreferenced, and
   * garbage collection removes it after the grace period.
   */
  async undo(db: Db, suite: string): Promise<void> {
    try {
      if (this.created.size > 0) {
        await inTransaction(db, async (trx) => {
          await trx.selectFrom('repo_suites').select('suite').where('suite', '=', suite).forUpdate().execute();
          await this.removeUnreferenced(trx, [...this.created]);
        });
      }
    } catch {
      // Left for garbage collection (see above).
    }
    const made = new Set<string>();
    for (const [abs, first] of this.dirs) {
      if (first === undefined) continue;
      for (let d = abs; d.length >= first.length; d = dirname(d)) made.add(d);
    }
    for (const d of [...made].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
  }
}

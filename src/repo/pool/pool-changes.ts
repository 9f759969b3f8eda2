// What one request to add packages does to the pool before its rows are committed, so that
// a refusal can take it back. Each .deb is hard-linked into the pool as soon as it has been
// inspected (linking it later would mean a second pass over thousands of files); until the
// request commits, no row and so no index names those files.
//
// Taking a file back must not pull it from under another request: one that found it there
// (same bytes) and relies on it. So files are removed only under the suite's row lock, and
// only when no committed row names them; and a request checks, under the same lock before
// it commits, that every file it found instead of creating is still the one it compared,
// placing its own copy when it is gone.
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { open, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { fsyncPath } from '../../atomic-write.ts';
import { inTransaction, type Db } from '../../db/in-transaction.ts';
import { hashChunks } from '../../stream-hash.ts';
import type { FileIdentity } from '../deb/inspect-deb.ts';
import { type EarlyPlacement, type Linked, linkIntoPool } from './link-into-pool.ts';
import { addToPool, syncFileSystem } from './pool-store.ts';
import { RepoError } from '../repo-error.ts';

export type { EarlyPlacement } from './link-into-pool.ts';

// Up to this many new files, each is fsynced; more share one file-system sync.
const FSYNC_EACH_UP_TO = 8;

/** Which file a path held: an inode number alone may be reused once the file is gone. */
interface Identity {
  dev: number;
  ino: number;
  size: number;
  ctimeMs: number;
}

const identityOf = (s: Stats): Identity => ({ dev: s.dev, ino: s.ino, size: s.size, ctimeMs: s.ctimeMs });
const sameIdentity = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeMs === b.ctimeMs;

export class PoolChanges {
  /** Absolute directory → the first directory its mkdir created (undefined: it existed). */
  private readonly dirs = new Map<string, string | undefined>();
  /** Repository-relative pool paths this request placed. */
  private readonly created = new Set<string>();
  /** Pool paths this request found in place and relies on, as they were when compared. */
  private readonly reliedOn = new Map<string, Identity>();

  constructor(private readonly repoDir: string) {}

  /** Makes a (repository-relative) pool directory, remembering what it created. */
  makeDirectory(relDir: string): void {
    const abs = join(this.repoDir, relDir);
    if (this.dirs.has(abs)) return;
    this.dirs.set(abs, mkdirSync(abs, { recursive: true }));
  }

  /** Hard-links `source` to `poolPath` unless a file is there (link-into-pool.ts), and records it. */
  link(source: string, poolPath: string, inspected: FileIdentity | undefined): EarlyPlacement {
    const linked = linkIntoPool(this.repoDir, source, poolPath, inspected, this.dirs);
    this.noteLinked(poolPath, linked);
    return linked.placement;
  }

  /** Records what linking a package did (here, or on a filing thread), so that undo takes it back. */
  noteLinked(poolPath: string, { placement, directory, madeFrom }: Linked): void {
    if (madeFrom !== undefined || !this.dirs.has(directory)) this.dirs.set(directory, madeFrom);
    if (placement === 'created' || placement === 'verify') this.created.add(poolPath);
  }

  /** Notes a file this request placed some other way (addToPool), so that undo takes it back too. */
  adopt(poolPath: string): void {
    this.created.add(poolPath);
  }

  /**
   * Relies on the file found at `poolPath` if it holds the bytes with `sha256`: hashed through
   * one open handle, whose identity is what checkReliedOn compares later. Undefined: no file.
   */
  async relyOnIfSame(poolPath: string, sha256: string): Promise<{ same: boolean; sha256: string } | undefined> {
    let handle;
    try {
      handle = await open(join(this.repoDir, poolPath), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const identity = identityOf(await handle.stat());
      const { sha256: found } = await hashChunks(handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>, ['sha256']);
      if (found === sha256) this.reliedOn.set(poolPath, identity);
      return { same: found === sha256, sha256: found };
    } finally {
      await handle.close();
    }
  }

  /**
   * Under the suite's lock, before committing rows naming these pool paths (each with the
   * upload it came from): every file among them that this request found rather than placed
   * is still the one it compared. One taken away meanwhile (by a refused request, which may
   * not do so while we hold the lock) is placed again from our own upload.
   */
  async checkReliedOn(named: ReadonlyMap<string, { source: string; sha256: string }>): Promise<void> {
    for (const [poolPath, was] of this.reliedOn) {
      const upload = named.get(poolPath);
      if (!upload) continue;
      const now = lstatSync(join(this.repoDir, poolPath), { throwIfNoEntry: false });
      if (now && sameIdentity(identityOf(now), was)) continue;
      this.reliedOn.delete(poolPath);
      const placed = await addToPool(this.repoDir, upload.source, poolPath, { expectedSha256: upload.sha256 });
      if (placed.action === 'added') this.adopt(poolPath);
      else if (!(await this.relyOnIfSame(poolPath, upload.sha256))?.same)
        throw new RepoError('changed-meanwhile', `${poolPath} changed while it was being added; send the packages again`);
    }
  }

  /**
   * Makes every file this request placed or relies on durable, with the directories it made:
   * each fsynced with its directory when there are few, else one sync of the file system.
   */
  async makeDurable(): Promise<void> {
    const files = [...this.created, ...this.reliedOn.keys()].map((p) => join(this.repoDir, p));
    if (files.length === 0) return;
    if (files.length > FSYNC_EACH_UP_TO && (await syncFileSystem(this.repoDir))) return;
    const dirs = new Set(files.map((f) => dirname(f)));
    // A new directory's own entry is in its parent.
    for (const d of this.madeDirectories()) dirs.add(dirname(d));
    for (const file of files) await fsyncPath(file);
    for (const dir of dirs) await fsyncPath(dir);
  }

  /**
   * Inside a transaction that holds the suite's row lock: removes those of `poolPaths` this
   * request placed that no row (package or source) names.
   */
  async removeUnreferenced(trx: Db, poolPaths: Iterable<string>): Promise<void> {
    const ours = [...poolPaths].filter((p) => this.created.has(p));
    if (ours.length === 0) return;
    const debs = await trx
      .selectFrom('repo_packages')
      .select('pool_path')
      .where(sql<boolean>`pool_path = any(${ours}::text[])`)
      .execute();
    const sources = await trx
      .selectFrom('repo_sources')
      .select('pool_paths')
      .where(sql<boolean>`pool_paths && ${ours}::text[]`)
      .execute();
    const keep = new Set([...debs.map((r) => r.pool_path), ...sources.flatMap((r) => r.pool_paths)]);
    for (const p of ours) {
      if (keep.has(p)) continue;
      // A file that cannot be removed is unreferenced: garbage collection takes it later.
      await unlink(join(this.repoDir, p)).catch(() => undefined);
      this.created.delete(p);
    }
  }

  /** The request committed: what it did to the pool stays. */
  keep(): void {
    this.created.clear();
    this.reliedOn.clear();
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
    for (const d of this.madeDirectories().sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
  }

  /** Every directory this request's mkdirs created. */
  private madeDirectories(): string[] {
    const made = new Set<string>();
    for (const [abs, first] of this.dirs) {
      if (first === undefined) continue;
      for (let d = abs; d.length >= first.length; d = dirname(d)) made.add(d);
    }
    return [...made];
  }
}

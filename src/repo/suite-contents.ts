// The rows of one suite as sorted index entries, kept in memory between publications and
// brought up to date from the database by row id: only rows this process has not seen are
// read in full, so a one-package change reads one stanza (plus the list of ids).
import { sql } from 'kysely';
import type {} from '../db/repo-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { compareEntries, type IndexEntry } from './index-pieces.ts';

// Below this many changes the sorted list is patched; above it, sorted again.
const PATCH_LIMIT = 256;

class SortedEntries {
  readonly byId = new Map<number, IndexEntry>();
  private sorted: IndexEntry[] = [];

  apply(added: IndexEntry[], removedIds: number[]): void {
    const removed = new Set(removedIds);
    for (const id of removedIds) this.byId.delete(id);
    for (const e of added) this.byId.set(e.id, e);
    if (added.length + removed.size > PATCH_LIMIT) {
      this.sorted = [...this.byId.values()].sort(compareEntries);
      return;
    }
    if (removed.size > 0) this.sorted = this.sorted.filter((e) => !removed.has(e.id));
    for (const e of added) this.sorted.splice(insertionPoint(this.sorted, e), 0, e);
  }

  entries(): readonly IndexEntry[] {
    return this.sorted;
  }
}

function insertionPoint(list: IndexEntry[], e: IndexEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid]!, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function normalise(text: string): string {
  return text.replace(/\n*$/, '\n');
}

const FETCH_BATCH = 5000;

/** Ids of the suite's rows in `table`, and the full rows for the ids not in `known`. */
async function readChanges(
  trx: Db,
  table: 'repo_packages' | 'repo_sources',
  suite: string,
  known: Map<number, IndexEntry>,
): Promise<{ added: IndexEntry[]; removed: number[] }> {
  if (known.size === 0) {
    const rows =
      table === 'repo_packages'
        ? await trx.selectFrom('repo_packages').select(['id', 'name', 'version', 'architecture', 'stanza']).where('suite', '=', suite).execute()
        : await trx.selectFrom('repo_sources').select(['id', 'name', 'version', sql<string>`''`.as('architecture'), 'stanza']).where('suite', '=', suite).execute();
    return { added: rows.map(toEntry), removed: [] };
  }
  const ids = await trx.selectFrom(table).select('id').where('suite', '=', suite).execute();
  const current = new Set<number>();
  const missing: number[] = [];
  for (const { id } of ids) {
    current.add(id);
    if (!known.has(id)) missing.push(id);
  }
  const removed = [...known.keys()].filter((id) => !current.has(id));
  const added: IndexEntry[] = [];
  for (let i = 0; i < missing.length; i += FETCH_BATCH) {
    const batch = missing.slice(i, i + FETCH_BATCH);
    const rows =
      table === 'repo_packages'
        ? await trx.selectFrom('repo_packages').select(['id', 'name', 'version', 'architecture', 'stanza']).where('id', 'in', batch).execute()
        : await trx.selectFrom('repo_sources').select(['id', 'name', 'version', sql<string>`''`.as('architecture'), 'stanza']).where('id', 'in', batch).execute();
    added.push(...rows.map(toEntry));
  }
  return { added, removed };
}

function toEntry(row: { id: number; name: string; version: string; architecture: string; stanza: string }): IndexEntry {
  return { id: Number(row.id), name: row.name, version: row.version, arch: row.architecture, text: normalise(row.stanza) };
}

export class SuiteContents {
  private readonly packages = new SortedEntries();
  private readonly sources = new SortedEntries();

  /** Brings the entries up to date; `trx` should be a repeatable-read transaction. */
  async sync(trx: Db, suite: string): Promise<{ added: number; removed: number }> {
    const p = await readChanges(trx, 'repo_packages', suite, this.packages.byId);
    const s = await readChanges(trx, 'repo_sources', suite, this.sources.byId);
    this.packages.apply(p.added, p.removed);
    this.sources.apply(s.added, s.removed);
    return { added: p.added.length + s.added.length, removed: p.removed.length + s.removed.length };
  }

  /** Binary packages for `binary-<arch>`: that architecture's and Architecture: all. */
  packagesFor(arch: string): readonly IndexEntry[] {
    const all = this.packages.entries();
    return all.every((e) => e.arch === arch) ? all : all.filter((e) => e.arch === arch || e.arch === 'all');
  }

  sourceEntries(): readonly IndexEntry[] {
    return this.sources.entries();
  }

  /** Forgets everything (the next sync reads every row again). */
  clear(): void {
    this.packages.apply([], [...this.packages.byId.keys()]);
    this.sources.apply([], [...this.sources.byId.keys()]);
  }
}

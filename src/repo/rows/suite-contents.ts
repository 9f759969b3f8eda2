// The rows of one suite as sorted index entries, kept in memory between publications and
// brought up to date from the database: only rows added since the last publication are read,
// so a one-package change reads one stanza (and a count).
import { sql } from 'kysely';
import type {} from '../../db/repo-tables.ts';
import type { Db } from '../../db/in-transaction.ts';
import { compareEntries, type IndexEntry } from '../publish/index-pieces.ts';

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

type Table = 'repo_packages' | 'repo_sources';

/** The suite's rows of `table` as entries; only those added after generation `since`, if given. */
async function readEntries(trx: Db, table: Table, suite: string, since?: number): Promise<IndexEntry[]> {
  const rows =
    table === 'repo_packages'
      ? await trx
          .selectFrom('repo_packages')
          .select(['id', 'name', 'version', 'architecture', 'stanza'])
          .where('suite', '=', suite)
          .$if(since !== undefined, (q) => q.where('generation', '>', since!))
          .execute()
      : await trx
          .selectFrom('repo_sources')
          .select(['id', 'name', 'version', sql<string>`''`.as('architecture'), 'stanza'])
          .where('suite', '=', suite)
          .$if(since !== undefined, (q) => q.where('generation', '>', since!))
          .execute();
  return rows.map(toEntry);
}

/**
 * What changed in `table` since `synced`. A row carries the generation it was added in, and
 * generations are handed out under the suite's row lock, so "generation > synced" is exactly
 * the rows added since. Removals leave no row: they show as a count lower than expected, and
 * only then is the list of ids read.
 */
async function readChanges(
  trx: Db,
  table: Table,
  suite: string,
  known: Map<number, IndexEntry>,
  synced: number | undefined,
): Promise<{ added: IndexEntry[]; removed: number[] }> {
  if (synced === undefined) return { added: await readEntries(trx, table, suite), removed: [...known.keys()] };
  const added = (await readEntries(trx, table, suite, synced)).filter((e) => !known.has(e.id));
  const { n } = await trx
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('suite', '=', suite)
    .executeTakeFirstOrThrow();
  if (Number(n) === known.size + added.length) return { added, removed: [] };
  const { ids } = await trx
    .selectFrom(table)
    .select(sql<number[]>`coalesce(array_agg(id), '{}')`.as('ids'))
    .where('suite', '=', suite)
    .executeTakeFirstOrThrow();
  const current = new Set(ids.map(Number));
  return { added, removed: [...known.keys()].filter((id) => !current.has(id)) };
}

function toEntry(row: { id: number; name: string; version: string; architecture: string; stanza: string }): IndexEntry {
  return { id: Number(row.id), name: row.name, version: row.version, arch: row.architecture, text: normalise(row.stanza) };
}

export class SuiteContents {
  private readonly packages = new SortedEntries();
  private readonly sources = new SortedEntries();
  /** The generation the entries show; undefined until the first sync. */
  private synced: number | undefined;

  /**
   * Brings the entries up to `generation`, read in `trx` (a repeatable-read transaction
   * that saw that generation).
   */
  async sync(trx: Db, suite: string, generation: number): Promise<{ added: number; removed: number }> {
    if (generation === this.synced) return { added: 0, removed: 0 };
    const p = await readChanges(trx, 'repo_packages', suite, this.packages.byId, this.synced);
    const s = await readChanges(trx, 'repo_sources', suite, this.sources.byId, this.synced);
    this.packages.apply(p.added, p.removed);
    this.sources.apply(s.added, s.removed);
    this.synced = generation;
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
}

// This process's writes, seen as they finish: a Kysely plugin that tells its listeners which
// tables a finished insert, update, delete or merge wrote. A cache of reads forgets by it at
// once, before Postgres's NOTIFY (sent at commit, read on another connection) arrives.
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** The tables a statement wrote; '*' stands for "could be any". */
export type WrittenTables = ReadonlySet<string>;
type WriteListener = (tables: WrittenTables) => void;

// Raw SQL is not parsed: the names after `insert into`, `update`, `delete from`, `merge into`
// count ("on conflict do update set" names `set`, which matches no table).
const RAW_TARGET = /\b(?:insert\s+into|update|delete\s+from|merge\s+into)\s+(?:only\s+)?"?([a-z_][a-z0-9_]*)/gi;
const ROW_LOCK = /\bfor\s+(no\s+key\s+)?update\b/gi;

function tableName(node: OperationNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  if (node.kind === 'TableNode') return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  return undefined;
}

/** The tables `node` writes, its common table expressions' included; undefined when none. */
export function writtenTables(node: OperationNode): WrittenTables | undefined {
  const found = new Set<string>();
  const visit = (n: OperationNode): void => {
    const q = n as unknown as {
      into?: OperationNode;
      table?: OperationNode;
      from?: { froms: OperationNode[] };
      with?: { expressions: { expression: OperationNode }[] };
      sqlFragments?: readonly string[];
    };
    for (const cte of q.with?.expressions ?? []) visit(cte.expression);
    switch (n.kind) {
      case 'InsertQueryNode':
      case 'MergeQueryNode':
        found.add(tableName(q.into) ?? '*');
        break;
      case 'UpdateQueryNode':
        found.add(tableName(q.table) ?? '*');
        break;
      case 'DeleteQueryNode':
        for (const from of q.from?.froms ?? []) found.add(tableName(from) ?? '*');
        break;
      case 'RawNode':
        for (const [, table] of (q.sqlFragments ?? []).join(' ').replace(ROW_LOCK, '').matchAll(RAW_TARGET))
          found.add(table!.toLowerCase());
        break;
    }
  };
  visit(node);
  return found.size > 0 ? found : undefined;
}

export class WriteWatch implements KyselyPlugin {
  private readonly listeners = new Set<WriteListener>();
  private readonly pending = new WeakMap<object, { tables: WrittenTables; counted: boolean }>();

  /** Calls `listener` after each statement of this process that wrote; returns the unsubscribe. */
  onWrite(listener: WriteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.listeners.size > 0 && (args.node.kind !== 'SelectQueryNode' || args.node.with)) {
      const tables = writtenTables(args.node);
      // The driver counts the rows of a statement that is itself the write (PGlite's leaves the
      // count out when it is 0); a write inside raw SQL or a CTE is not counted.
      if (tables) this.pending.set(args.queryId, { tables, counted: args.node.kind !== 'RawNode' && args.node.kind !== 'SelectQueryNode' });
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const write = this.pending.get(args.queryId);
    this.pending.delete(args.queryId);
    if (!write) return args.result;
    // A claim that found nothing to update changed nothing.
    const rows = args.result.numAffectedRows ?? (write.counted ? 0n : undefined);
    if (rows !== 0n) for (const listener of this.listeners) listener(write.tables);
    return args.result;
  }
}

// Cross-buildability at a glance, as crossqa shows it for Debian's full architectures: each
// source's latest job, what became of it and why, and what a waiting one is blocked by.
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { CauseClass } from './cause-class.ts';
import type { JobState } from './job-states.ts';

export interface SourceStatus {
  source: string;
  version: string | null;
  state: JobState;
  causeClass: CauseClass | null;
  reason: string | null;
  jobId: number;
  /** For a job in dep-wait: the relations it waits for. */
  blockedBy: string[];
}

export interface SourceListQuery {
  state?: JobState | undefined;
  causeClass?: CauseClass | undefined;
  limit: number;
  cursor?: string | undefined;
}

const isAfter = (value: unknown): value is { after: string } =>
  typeof value === 'object' && value !== null && typeof (value as { after?: unknown }).after === 'string';

/** By source name, in pages; filters apply to each source's latest job. */
export async function listSources(db: Db, query: SourceListQuery): Promise<{ items: SourceStatus[]; nextCursor: string | null }> {
  const latest = db
    .selectFrom('jobs')
    .select(['id', 'source', 'version', 'state', 'cause_class', 'reason', 'unmet_relations'])
    .distinctOn('source')
    .orderBy('source')
    .orderBy('id', 'desc');
  let select = db
    .selectFrom(latest.as('latest'))
    .selectAll()
    .orderBy('source')
    .limit(query.limit + 1);
  if (query.state) select = select.where('state', '=', query.state);
  if (query.causeClass) select = select.where('cause_class', '=', query.causeClass);
  if (query.cursor) select = select.where('source', '>', decodeCursor(query.cursor, isAfter).after);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit).map((r): SourceStatus => ({
    source: r.source,
    version: r.version,
    state: r.state as JobState,
    causeClass: r.cause_class as CauseClass | null,
    reason: r.reason,
    jobId: r.id,
    blockedBy: r.state === 'dep-wait' ? r.unmet_relations : [],
  }));
  const last = page.at(-1);
  return { items: page, nextCursor: rows.length > query.limit && last ? encodeCursor({ after: last.source }) : null };
}

/** How many sources' latest jobs are in each state (the table's summary line). */
export async function countSourcesByState(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom(db.selectFrom('jobs').select(['source', 'state']).distinctOn('source').orderBy('source').orderBy('id', 'desc').as('latest'))
    .select(['state', sql<number>`count(*)::int`.as('n')])
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

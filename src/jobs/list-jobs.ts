import type { Db } from '../db/in-transaction.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import { type JobSummary, selectJobSummaries, toJobSummary } from './job.ts';
import type { JobState } from './job-states.ts';

export interface JobListQuery {
  state?: JobState | undefined;
  source?: string | undefined;
  arch?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

// The cursor holds the id of the last job of the previous page.
const isBefore = (value: unknown): value is { before: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { before?: unknown }).before);

/** Summaries, newest first, by id: a stable order that new submissions cannot shuffle. */
export async function listJobs(db: Db, query: JobListQuery): Promise<{ items: JobSummary[]; nextCursor: string | null }> {
  let select = selectJobSummaries(db)
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.state) select = select.where('state', '=', query.state);
  if (query.source) select = select.where('source', '=', query.source);
  if (query.arch) select = select.where('arch', '=', query.arch);
  if (query.cursor) select = select.where('id', '<', decodeCursor(query.cursor, isBefore).before);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  const items = page.map(toJobSummary);
  const last = page.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ before: last.id }) : null };
}

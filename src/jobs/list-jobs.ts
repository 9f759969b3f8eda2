import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { attachFiles, type Job } from './job.ts';
import type { JobState } from './job-states.ts';

export interface JobListQuery {
  state?: JobState | undefined;
  source?: string | undefined;
  arch?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

// The cursor is opaque to clients: the id of the last job of the previous page.
function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ before: id })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof value.before === 'number' && Number.isSafeInteger(value.before)) return value.before;
  } catch {
    // falls through to the error below
  }
  throw new DomainError('invalid-input', 'the cursor is not one this service gave out', { parameter: 'cursor' });
}

/** Newest first, by id: a stable order that new submissions cannot shuffle. */
export async function listJobs(db: Db, query: JobListQuery): Promise<{ items: Job[]; nextCursor: string | null }> {
  let select = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(query.limit + 1);
  if (query.state) select = select.where('state', '=', query.state);
  if (query.source) select = select.where('source', '=', query.source);
  if (query.arch) select = select.where('arch', '=', query.arch);
  if (query.cursor) select = select.where('id', '<', decodeCursor(query.cursor));
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  const items = await attachFiles(db, page);
  const last = page.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
}

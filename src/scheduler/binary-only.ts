// A source version is published once. Like a Debian buildd's binary-only upload, the build of
// the same input for a second architecture (or a binNMU) publishes its binaries only: its own
// ported source carries the same version, and a published version cannot change. A build of
// other input under a published version still publishes its source, and is refused for it.
import { readFile } from 'node:fs/promises';
import type { Db } from '../db/in-transaction.ts';
import { parseDsc } from '../debian/dsc.ts';
import { DebianParseError } from '../debian/parse-error.ts';

/**
 * The built source's `name version` when a build of the same input files as job `jobId`'s
 * already published that version in `suite`; otherwise undefined.
 */
export async function sourcePublishedFromSameInput(db: Db, suite: string, jobId: number, dscPath: string): Promise<string | undefined> {
  let dsc;
  try {
    dsc = parseDsc(await readFile(dscPath, 'utf8'));
  } catch (error) {
    if (error instanceof DebianParseError) return undefined; // publication refuses it, with the reason
    throw error;
  }
  const row = await db
    .selectFrom('repo_sources')
    .select('job_id')
    .where('suite', '=', suite)
    .where('name', '=', dsc.source)
    .where('version', '=', dsc.version)
    .executeTakeFirst();
  if (!row || row.job_id === null) return undefined;
  const [mine, theirs] = await Promise.all([inputFiles(db, jobId), inputFiles(db, row.job_id)]);
  return mine.length > 0 && mine === theirs ? `${dsc.source} ${dsc.version}` : undefined;
}

async function inputFiles(db: Db, jobId: number): Promise<string> {
  const rows = await db.selectFrom('job_files').select(['name', 'sha256']).where('job_id', '=', jobId).orderBy('name').execute();
  return rows.map((r) => `${r.name} ${r.sha256}`).join('\n');
}

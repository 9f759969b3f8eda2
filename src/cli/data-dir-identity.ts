// Replicas share one DATA_DIR (README, Deployment): the source files a replica stores are built
// by whichever replica claims the job, the artifacts it keeps are served by any. A replica given
// a folder of its own would start fine and fail builds later, so `serve` checks at start that
// DATA_DIR belongs to the database: a marker with the installation's id, written by the first
// start and compared by every later one.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/in-transaction.ts';
import { readInstallationId } from '../db/installation-id.ts';
import { CliError } from './cli-error.ts';

export const DATA_DIR_MARKER = 'installation-id';

export async function checkDataDirBelongs(db: Db, dataDir: string): Promise<void> {
  const id = await readInstallationId(db);
  const marker = path.join(dataDir, DATA_DIR_MARKER);
  let found = await readMarker(marker);
  if (found === undefined) {
    await refuseUnsharedFolder(db, dataDir);
    // Replicas starting together: one write wins, the others compare with it.
    await fs.writeFile(marker, `${id}\n`, { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    found = await readMarker(marker);
  }
  if (found !== id) {
    throw new CliError(
      `DATA_DIR ${dataDir} belongs to installation ${found}, but the database is installation ${id}: ` +
        'every replica of one installation uses the same DATA_DIR and database',
      2,
    );
  }
}

async function readMarker(marker: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(marker, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** No marker yet: fine for a new installation, or one from before the marker that kept its files. */
async function refuseUnsharedFolder(db: Db, dataDir: string): Promise<void> {
  const stored = await db.selectFrom('job_files').select('job_id').limit(1).executeTakeFirst();
  if (!stored) return;
  const files = await fs.readdir(path.join(dataDir, 'files'), { recursive: false }).catch(() => [] as string[]);
  if (files.length > 0) return;
  throw new CliError(
    `DATA_DIR ${dataDir} holds none of the source files the database lists: a replica needs the DATA_DIR ` +
      'the others use (a shared folder; see Deployment in the README)',
    2,
  );
}

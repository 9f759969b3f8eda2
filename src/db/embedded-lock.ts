import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../process-alive.ts';

/** The embedded database is held by another live process. */
export class EmbeddedDatabaseBusyError extends Error {
  constructor(
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(`the embedded database in ${path.dirname(lockFile)} is in use by process ${pid}`);
  }
}

/**
 * PGlite is one Postgres backend in this process: a second process opening the same data
 * directory would corrupt it. A pid file created with O_EXCL admits one process; the lock of a
 * process that died is taken over.
 */
export function acquireEmbeddedLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'db.lock');
  fs.mkdirSync(dataDir, { recursive: true });
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(lockFile);
    if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
      throw new EmbeddedDatabaseBusyError(holder, lockFile);
    }
    fs.rmSync(lockFile, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not take the embedded database lock ${lockFile}`);
}

function readPid(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

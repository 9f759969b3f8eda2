// Writing a file so that a reader, or a crash, sees the old content or the new, never a part:
// the bytes go to a temporary name beside the target and are fsynced before the target's name
// is given to them. Temporary names start with a dot, so a static file server that hides
// dotfiles never serves them, and with TEMP_PREFIX, so a sweep can tell a crash's leftovers.
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_PREFIX = '.tmp-';

// Twelve hex digits: eight random, drawn again every 65,536 names, then a count. Random bytes
// for every name cost more than writing a small file, and a bulk upload names thousands.
let tempNonce = '';
let tempCount = 0x10000;

/** A temporary name in `path`'s directory, unique to this call. */
export function tempPathFor(path: string): string {
  if (tempCount === 0x10000) {
    tempNonce = randomBytes(4).toString('hex');
    tempCount = 0;
  }
  const unique = tempNonce + (tempCount++).toString(16).padStart(4, '0');
  return join(dirname(path), `${TEMP_PREFIX}${unique}-${basename(path)}`);
}

/** fsync(2) on a file or a directory (a directory's, to make the names in it durable). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to a new temporary file beside `path` and fsyncs it; the caller names it. */
export async function stageFile(path: string, data: string | Uint8Array, mode = 0o644): Promise<string> {
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Replaces `path` with `data` atomically: temporary file, fsync, rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = await stageFile(path, data);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Creates `path` holding `data` unless it exists, never exposing a half-written file: staged
 * with `mode`, fsynced, then linked into place, and the directory fsynced. link() fails when
 * the name exists, so of two processes creating the file at once exactly one wins and both
 * then read the same file.
 */
export async function createFileOnce(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = await stageFile(path, data, mode);
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  await fsyncPath(dirname(path));
}

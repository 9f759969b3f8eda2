// What a filing thread does with one package of a bulk upload while the rest of it arrives
// (early-filing.ts): inspect it, write its staging file if it was held in memory, and link it
// into the pool; all with synchronous calls, off the main thread, so that the thread serving
// requests pays for none of the file-system work of thousands of small packages.
import { closeSync, fstatSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type FileIdentity, inspectDebBytes, inspectDebChunks } from '../deb/inspect-deb.ts';
import { type Linked, linkIntoPool } from '../pool/link-into-pool.ts';
import { prepareDeb, prepareInspected, type PrepareDebOptions, type PreparedDeb } from './prepare-deb.ts';

export interface EarlyDeb {
  /** The staging file: there already (a part spilled to disk), or to write from `bytes`. */
  stagingPath: string;
  bytes?: Uint8Array;
  /** Of `bytes`, computed as they arrived. */
  digests?: { sha256: string; md5: string };
}

export interface FiledDeb {
  prepared: PreparedDeb;
  linked: Linked;
  /** The staging file is gone: linked into the pool as the inspected file, it is not needed. */
  stagingRemoved: boolean;
}

/**
 * Inspects, stages and links one package. A refused package held in memory never reaches the
 * disk; `madeDirectories` carries the pool directories made for the packages before it.
 */
export async function fileDebEarly(
  deb: EarlyDeb,
  options: PrepareDebOptions,
  repoDir: string,
  madeDirectories: Set<string>,
): Promise<FiledDeb> {
  let prepared: PreparedDeb;
  if (deb.bytes) {
    const bytes = Buffer.from(deb.bytes.buffer, deb.bytes.byteOffset, deb.bytes.byteLength);
    // Not in the plainest form: the streaming reader judges it (from memory too).
    const inspected = inspectDebBytes(bytes, options, deb.digests) ?? (await inspectDebChunks([bytes], options));
    const file = writeStagingFile(deb.stagingPath, bytes);
    prepared = prepareInspected({ ...inspected, file }, options);
  } else {
    prepared = await prepareDeb(deb.stagingPath, options);
  }
  const linked = linkIntoPool(repoDir, deb.stagingPath, prepared.poolPath, prepared.info.file, madeDirectories);
  madeDirectories.add(linked.directory);
  const stagingRemoved = linked.placement === 'created';
  if (stagingRemoved) unlinkSync(deb.stagingPath);
  return { prepared, linked, stagingRemoved };
}

/** Writes a new staging file (never over another), its folder again if it was removed; its identity as written. */
function writeStagingFile(path: string, bytes: Buffer): FileIdentity {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'wx', 0o644);
  }
  try {
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    const info = fstatSync(fd);
    return { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

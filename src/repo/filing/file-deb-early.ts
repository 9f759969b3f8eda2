// What a filing thread does with one package of a bulk upload while the rest of it arrives
// (early-filing.ts): inspect it, and write it into the pool if it was held in memory, or link
// its staging file there; all with synchronous calls, off the main thread, so that the thread
// serving requests pays for none of the file-system work of thousands of small packages.
import { unlinkSync } from 'node:fs';
import { inspectDebBytes, inspectDebChunks } from '../deb/inspect-deb.ts';
import { type Linked, linkIntoPool, writeIntoPool } from '../pool/link-into-pool.ts';
import { prepareDeb, prepareInspected, type PrepareDebOptions, type PreparedDeb } from './prepare-deb.ts';

export interface EarlyDeb {
  /** The staging file: there already (a part spilled to disk), or where `bytes` go if they do not reach the pool. */
  stagingPath: string;
  bytes?: Uint8Array;
  /** Of `bytes`, computed as they arrived. */
  digests?: { sha256: string; md5: string };
}

export interface FiledDeb {
  prepared: PreparedDeb;
  linked: Linked;
  /** No staging file is left: linked or written into the pool as the inspected file, none is needed. */
  stagingRemoved: boolean;
}

/**
 * Inspects one package and puts it into the pool: one held in memory is written there directly
 * (never to staging, unless it did not reach its pool path), and never reaches the disk when
 * refused; one on disk is linked from staging. `madeDirectories` carries the pool directories
 * made for the packages before it.
 */
export async function fileDebEarly(
  deb: EarlyDeb,
  options: PrepareDebOptions,
  repoDir: string,
  madeDirectories: Set<string>,
): Promise<FiledDeb> {
  let prepared: PreparedDeb;
  let linked: Linked;
  let stagingRemoved: boolean;
  if (deb.bytes) {
    const bytes = Buffer.from(deb.bytes.buffer, deb.bytes.byteOffset, deb.bytes.byteLength);
    // Not in the plainest form: the streaming reader judges it (from memory too).
    const inspected = inspectDebBytes(bytes, options, deb.digests) ?? (await inspectDebChunks([bytes], options));
    prepared = prepareInspected(inspected, options);
    const { written, ...placed } = writeIntoPool(repoDir, bytes, prepared.poolPath, deb.stagingPath, madeDirectories);
    linked = placed;
    prepared.info.file = written;
    // Only a package that did not reach its pool path is in staging, for settling to read.
    stagingRemoved = linked.placement === 'created' || linked.placement === 'verify';
  } else {
    prepared = await prepareDeb(deb.stagingPath, options);
    linked = linkIntoPool(repoDir, deb.stagingPath, prepared.poolPath, prepared.info.file, madeDirectories);
    stagingRemoved = linked.placement === 'created';
    if (stagingRemoved) unlinkSync(deb.stagingPath);
  }
  madeDirectories.add(linked.directory);
  return { prepared, linked, stagingRemoved };
}

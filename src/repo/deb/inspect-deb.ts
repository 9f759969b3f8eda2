// Inspects an uploaded .deb in one streaming pass: the ar framing (deb(5)), the control file
// from control.tar, a full walk of data.tar to prove it is a readable tar, and the checksums
// of the whole file. Nothing is extracted to disk and the file is never held in memory; every
// decompressed byte counts against one budget, so a decompression bomb is cut off (and its
// xz/zstd child killed) as soon as it crosses the limit. Small packages in dpkg-deb's plainest
// form take an in-memory shortcut (bounded: 256 KiB read, 4 MiB per decompressed member; see
// fast-path.ts), which hands anything unusual back to the streaming reader (deb-reader.ts).
import { createReadStream } from 'node:fs';
import type { Paragraph } from '../../debian/deb822.ts';
import { hashBytes, StreamHash } from '../../stream-hash.ts';
import { Budget } from './budget.ts';
import { identifyPackage } from './control-fields.ts';
import { DebReader } from './deb-reader.ts';
import { FAST_MAX_FILE, inspectInMemory, readSmallFile } from './fast-path.ts';

export interface InspectDebOptions {
  /** Architecture values accepted in the control file (the repository's, and 'all'). */
  allowedArchitectures: string[];
  /** Largest `control` file (inside control.tar) that is read into memory. */
  maxControlBytes: number;
  /** Budget for all decompressed bytes of control.tar and data.tar together. */
  maxUncompressedBytes: number;
}

export interface DebInfo {
  control: Paragraph;
  package: string;
  version: string;
  architecture: string;
  /** Source package name: from `Source: name [(version)]`, else the binary's own name. */
  source: string;
  /** Source version: from `Source: name (version)`, else the binary's Version. */
  sourceVersion: string;
  /** Size of the .deb in bytes. */
  size: number;
  sha256: string;
  md5: string;
  /** Decompressed bytes of control.tar + data.tar (what the budget counted). */
  uncompressedBytes: number;
  /** The file as it was read (when read whole), so a later step can tell it is unchanged. */
  file?: FileIdentity;
}

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * Reads the .deb at `path` once and returns its identity and checksums: small, plain
 * packages in memory, everything else streaming. Throws RepoError for anything wrong with
 * the package itself.
 */
export async function inspectDeb(path: string, opts: InspectDebOptions): Promise<DebInfo> {
  const small = readSmallFile(path, FAST_MAX_FILE);
  const fast = small && inspectDebBytes(small.bytes, opts);
  if (fast) return { ...fast, file: small.stat };
  return inspectDebStreaming(path, opts);
}

/**
 * A small package already in memory (a part of an upload held there), on the fast path;
 * undefined when it is not in the plainest form, and the streaming reader has to judge it.
 * `digests`: of these very bytes, computed as they arrived (not computed again).
 */
export function inspectDebBytes(bytes: Buffer, opts: InspectDebOptions, digests?: { sha256: string; md5: string }): DebInfo | undefined {
  if (bytes.length > FAST_MAX_FILE) return undefined;
  const fast = inspectInMemory(bytes, opts);
  if (!fast) return undefined;
  return { ...fast, ...(digests ? { sha256: digests.sha256, md5: digests.md5, size: bytes.length } : hashBytes(bytes, ['sha256', 'md5'])) };
}

/** The streaming reader: any size, any compression dpkg knows, every check with its message. */
export async function inspectDebStreaming(path: string, opts: InspectDebOptions): Promise<DebInfo> {
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    return await inspectDebChunks(file, opts);
  } finally {
    file.destroy();
  }
}

/** The streaming reader over chunks from anywhere (a file, or an upload's part held in memory). */
export async function inspectDebChunks(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, opts: InspectDebOptions): Promise<DebInfo> {
  const budget = new Budget(opts.maxUncompressedBytes);
  const reader = new DebReader(opts, budget);
  const hash = new StreamHash(['sha256', 'md5']);
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      await reader.push(chunk);
    }
    await reader.end();
  } catch (err) {
    await reader.abort();
    throw err;
  }
  const control = reader.control!;
  return {
    control,
    ...identifyPackage(control, opts.allowedArchitectures),
    ...hash.digest(),
    uncompressedBytes: budget.used,
  };
}

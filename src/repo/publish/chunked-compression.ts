// Compressed index files assembled from independently compressed pieces, so that a change to
// one package recompresses one piece (~64 KiB) instead of the whole Packages file.
//
// gzip: each piece is a raw deflate stream ended with a sync flush (no final block); deflate
// streams that share no history can be laid end to end, and one empty final block closes
// the whole. The result is one ordinary gzip member (what pigz does), so every reader —
// apt's zlib, gzip -t, Python, Go — reads it.
// xz: each piece is one xz Block; the Blocks are laid out in a single Stream with an Index
// rebuilt from their sizes (xz-file-format 1.1.0, sections 2 and 4). `xz --block-list`
// writes exactly such files; liblzma reads them like any other.
import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw as deflateRawCallback } from 'node:zlib';

const deflateRaw = promisify(deflateRawCallback);

// ---------------------------------------------------------------------------------------
// gzip

/** One piece of a gzip file: raw deflate data ending on a byte boundary, not final. */
export interface DeflatePiece {
  data: Buffer;
}

export async function deflatePiece(plain: Buffer, level = 9): Promise<DeflatePiece> {
  return { data: await deflateRaw(plain, { level, finishFlush: constants.Z_SYNC_FLUSH }) };
}

// mtime 0 (no timestamp), XFL 2 (slowest/best), OS 3 (Unix): what `gzip -9n` writes.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
// An empty fixed-Huffman block with BFINAL set: 1, 01, then the end-of-block code 0000000.
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/** A gzip file of `plain`, from pieces that compress consecutive slices of it, in order. */
export function assembleGzip(pieces: readonly DeflatePiece[], plain: Buffer): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(plain) >>> 0, 0);
  trailer.writeUInt32LE(plain.length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...pieces.map((p) => p.data), FINAL_EMPTY_BLOCK, trailer]);
}

// ---------------------------------------------------------------------------------------
// xz

/** One xz Block, with what the Index needs to know about it. */
export interface XzBlock {
  /** The Block as stored: header, compressed data, padding, check. */
  data: Buffer;
  unpaddedSize: number;
  uncompressedSize: number;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const XZ_FOOTER_MAGIC = Buffer.from('YZ', 'latin1');
// Stream Flags: no reserved bits, check type CRC64 (0x04), which is xz's default.
const STREAM_FLAGS = Buffer.from([0x00, 0x04]);

function readVarint(buf: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 9; i++) {
    const byte = buf[offset + i];
    if (byte === undefined) throw new Error('xz: truncated integer');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, offset + i + 1];
    shift += 7;
  }
  throw new Error('xz: integer too long');
}

function writeVarint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/** Splits a single-Stream .xz file (as the xz tool writes it) into its Blocks. */
export function splitXzBlocks(file: Buffer): XzBlock[] {
  if (file.length < 32 || !file.subarray(0, 6).equals(XZ_MAGIC) || !file.subarray(file.length - 2).equals(XZ_FOOTER_MAGIC)) {
    throw new Error('xz: not a single-stream .xz file');
  }
  if (!file.subarray(6, 8).equals(STREAM_FLAGS) || !file.subarray(file.length - 4, file.length - 2).equals(STREAM_FLAGS)) {
    throw new Error('xz: unexpected stream flags (expected CRC64 check)');
  }
  const backwardSize = (file.readUInt32LE(file.length - 8) + 1) * 4;
  const indexStart = file.length - 12 - backwardSize;
  if (indexStart < 12 || file[indexStart] !== 0) throw new Error('xz: index not found');
  let [count, pos] = readVarint(file, indexStart + 1);
  const blocks: XzBlock[] = [];
  let blockStart = 12;
  while (count-- > 0) {
    let unpaddedSize: number;
    let uncompressedSize: number;
    [unpaddedSize, pos] = readVarint(file, pos);
    [uncompressedSize, pos] = readVarint(file, pos);
    const size = roundUp4(unpaddedSize);
    blocks.push({ data: file.subarray(blockStart, blockStart + size), unpaddedSize, uncompressedSize });
    blockStart += size;
  }
  if (blockStart !== indexStart) throw new Error('xz: blocks do not add up to the index position');
  return blocks;
}

/** One .xz Stream holding `blocks` in order. */
export function assembleXz(allBlocks: readonly XzBlock[]): Buffer {
  const blocks = allBlocks.filter((b) => b.uncompressedSize > 0);
  const header = Buffer.alloc(12);
  XZ_MAGIC.copy(header, 0);
  STREAM_FLAGS.copy(header, 6);
  header.writeUInt32LE(crc32(STREAM_FLAGS) >>> 0, 8);

  const index: number[] = [0x00];
  writeVarint(blocks.length, index);
  for (const b of blocks) {
    writeVarint(b.unpaddedSize, index);
    writeVarint(b.uncompressedSize, index);
  }
  while (index.length % 4 !== 0) index.push(0);
  const indexBody = Buffer.from(index);
  const indexCrc = Buffer.alloc(4);
  indexCrc.writeUInt32LE(crc32(indexBody) >>> 0, 0);

  const footer = Buffer.alloc(12);
  footer.writeUInt32LE((indexBody.length + 4) / 4 - 1, 4);
  STREAM_FLAGS.copy(footer, 8);
  XZ_FOOTER_MAGIC.copy(footer, 10);
  footer.writeUInt32LE(crc32(footer.subarray(4, 10)) >>> 0, 0);
  return Buffer.concat([header, ...blocks.map((b) => b.data), indexBody, indexCrc, footer]);
}

/** Runs the xz tool over `input`; single-threaded so the same input gives the same bytes. */
export function runXz(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-c', '-z', '-q', '-T1', '--check=crc64', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xz failed (exit ${code}): ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}

/**
 * Compresses each piece into one xz Block. Pieces are split among up to `processes` xz
 * processes, each writing its share as consecutive Blocks (`--block-list`).
 */
export async function xzBlocks(pieces: readonly Buffer[], opts: { preset?: number; processes?: number } = {}): Promise<XzBlock[]> {
  const nonEmpty = pieces.map((p, i) => ({ p, i })).filter(({ p }) => p.length > 0);
  const result: XzBlock[] = pieces.map(() => ({ data: Buffer.alloc(0), unpaddedSize: 0, uncompressedSize: 0 }));
  if (nonEmpty.length === 0) return result;
  const processes = Math.max(1, Math.min(opts.processes ?? 1, nonEmpty.length));
  const total = nonEmpty.reduce((n, { p }) => n + p.length, 0);
  // Consecutive groups of roughly equal size, one per process.
  const groups: { p: Buffer; i: number }[][] = [];
  let current: { p: Buffer; i: number }[] = [];
  let size = 0;
  for (const item of nonEmpty) {
    current.push(item);
    size += item.p.length;
    if (size >= (total / processes) * (groups.length + 1) && groups.length < processes - 1) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  await Promise.all(
    groups.map(async (group) => {
      const args = [`-${opts.preset ?? 6}`];
      if (group.length > 1) args.push(`--block-list=${group.map(({ p }) => p.length).join(',')}`);
      const blocks = splitXzBlocks(await runXz(args, Buffer.concat(group.map(({ p }) => p))));
      if (blocks.length !== group.length) throw new Error(`xz wrote ${blocks.length} blocks for ${group.length} pieces`);
      group.forEach(({ i }, k) => {
        result[i] = blocks[k]!;
      });
    }),
  );
  return result;
}

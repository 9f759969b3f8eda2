// Renders a Packages or Sources file (plain, .gz, .xz) from sorted stanzas, reusing the
// compressed form of every stretch of stanzas that did not change since the last render.
//
// The stanzas are cut into pieces at package-name boundaries chosen by a hash of the name
// (content-defined chunking): adding or removing a package changes only the piece it falls
// in, and every other piece keeps its key and its cached deflate and xz output. A piece is
// keyed by the row ids it holds; rows are immutable, so equal ids mean equal bytes.
import { compareVersions } from '../../debian/version.ts';
import { assembleGzip, assembleXz, deflatePiece, xzBlocks, type DeflatePiece, type XzBlock } from './chunked-compression.ts';

export interface IndexEntry {
  /** Row id: the same id always stands for the same text. */
  id: number;
  name: string;
  version: string;
  /** Architecture of a binary package; '' for a source package. */
  arch: string;
  /** The stanza, ending in exactly one newline. */
  text: string;
}

/** Index order (as dpkg-scanpackages and dak): name bytewise, then version, then architecture. */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const v = compareVersions(a.version, b.version);
  if (v !== 0) return v;
  return a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0;
}

export interface RenderOptions {
  xz: boolean;
  xzPreset?: number;
  /** How many xz processes a render may run at once. */
  processes?: number;
}

export interface RenderedIndex {
  plain: Buffer;
  gz: Buffer;
  xz?: Buffer;
  pieces: number;
  /** Pieces that had to be compressed in this render. */
  compressed: number;
}

interface Piece {
  plain: Buffer;
  deflate?: DeflatePiece;
  xz?: XzBlock;
}

// A boundary after a package name whose hash is 0 mod 64: ~64 stanzas (~32 KiB) a piece.
const BOUNDARY_MODULUS = 64;
// A piece is cut at the next name boundary once it is this large, whatever the hashes say.
const MAX_PIECE_BYTES = 256 * 1024;

function nameHash(name: string): number {
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One index file's pieces, kept from one render to the next. */
export class IndexPieces {
  private cache = new Map<string, Piece>();

  /** `entries` must be sorted with compareEntries. */
  async render(entries: readonly IndexEntry[], opts: RenderOptions): Promise<RenderedIndex> {
    const groups = cutPieces(entries);
    const next = new Map<string, Piece>();
    const pieces: Piece[] = [];
    for (const group of groups) {
      const key = group.map((e) => e.id).join(',');
      let piece = next.get(key) ?? this.cache.get(key);
      if (!piece) {
        let text = '';
        // Every stanza followed by a blank line, as dpkg-scanpackages and dak write it.
        for (const e of group) text += e.text + '\n';
        piece = { plain: Buffer.from(text, 'utf8') };
      }
      next.set(key, piece);
      pieces.push(piece);
    }

    let compressed = 0;
    const needDeflate = pieces.filter((p) => !p.deflate);
    const needXz = opts.xz ? pieces.filter((p) => !p.xz) : [];
    compressed = Math.max(needDeflate.length, needXz.length);
    await Promise.all([
      Promise.all(
        needDeflate.map(async (p) => {
          p.deflate = await deflatePiece(p.plain);
        }),
      ),
      (async () => {
        if (needXz.length === 0) return;
        const blocks = await xzBlocks(
          needXz.map((p) => p.plain),
          { ...(opts.xzPreset !== undefined ? { preset: opts.xzPreset } : {}), processes: opts.processes ?? 1 },
        );
        needXz.forEach((p, i) => {
          p.xz = blocks[i]!;
        });
      })(),
    ]);
    this.cache = next;

    const plain = Buffer.concat(pieces.map((p) => p.plain));
    const gz = assembleGzip(
      pieces.map((p) => p.deflate!),
      plain,
    );
    const rendered: RenderedIndex = { plain, gz, pieces: pieces.length, compressed };
    if (opts.xz) rendered.xz = assembleXz(pieces.map((p) => p.xz!));
    return rendered;
  }
}

function cutPieces(entries: readonly IndexEntry[]): IndexEntry[][] {
  const groups: IndexEntry[][] = [];
  let current: IndexEntry[] = [];
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const prev = entries[i - 1];
    if (prev && prev.name === e.name && compareVersions(prev.version, e.version) === 0 && prev.arch === e.arch) {
      throw new Error(`index would list ${e.name} ${e.version} ${e.arch} twice`);
    }
    current.push(e);
    bytes += e.text.length + 1;
    const lastOfName = entries[i + 1]?.name !== e.name;
    if (lastOfName && (nameHash(e.name) % BOUNDARY_MODULUS === 0 || bytes >= MAX_PIECE_BYTES)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

// "<hash> <size> <name>" lines: a .dsc's Checksums-Sha256, Checksums-Sha1 and Files, the same
// lists in a Sources entry, a Release's MD5Sum and SHA256. Words are separated by any white
// space, as dpkg reads them (Dpkg::Checksums). Only a line's shape is checked here: which names
// are acceptable, and what a malformed line means, is each caller's rule.

export interface ChecksumLine {
  /** Lowercase hex. */
  hash: string;
  size: number;
  name: string;
}

export type ChecksumLineProblem = 'not-three-words' | 'bad-hash' | 'bad-size';

export type ParsedChecksumLine =
  | {
      line: ChecksumLine;
      /** The three words as written (a caller that writes the line back keeps the size's spelling). */
      words: readonly [hash: string, size: string, name: string];
      problem?: undefined;
    }
  | {
      line?: undefined;
      problem: ChecksumLineProblem;
      /** The name word, when the line has one (for messages). */
      name?: string;
    };

export interface ChecksumLineOptions {
  /** Hex digits the hash must have (64 for SHA-256, 40 for SHA-1, 32 for MD5); any number when absent. */
  hashLength?: number;
  /** Words after the name are ignored, as apt reads a Release, instead of making the line malformed. */
  ignoreExtraWords?: boolean;
}

const SIZE = /^[0-9]+$/;
const ANY_HEX = /^[0-9a-fA-F]+$/;
const hexShapes = new Map<number, RegExp>();

function hashShape(length: number | undefined): RegExp {
  if (length === undefined) return ANY_HEX;
  let shape = hexShapes.get(length);
  if (!shape) {
    shape = new RegExp(`^[0-9a-fA-F]{${length}}$`);
    hexShapes.set(length, shape);
  }
  return shape;
}

/** One line: three words, a hex hash (upper case taken, given back lower case) and a decimal size. */
export function parseChecksumLine(text: string, options: ChecksumLineOptions = {}): ParsedChecksumLine {
  const words = text.trim().split(/\s+/);
  if (words.length < 3 || (words.length > 3 && !options.ignoreExtraWords)) return { problem: 'not-three-words' };
  const [hash, size, name] = words as [string, string, string];
  if (!hashShape(options.hashLength).test(hash)) return { problem: 'bad-hash', name };
  if (!SIZE.test(size) || !Number.isSafeInteger(Number(size))) return { problem: 'bad-size', name };
  return { line: { hash: hash.toLowerCase(), size: Number(size), name }, words: [hash, size, name] };
}

/** Every non-blank line of a checksum field's value, as written and parsed. */
export function parseChecksumLines(value: string, options: ChecksumLineOptions = {}): { text: string; parsed: ParsedChecksumLine }[] {
  const lines: { text: string; parsed: ParsedChecksumLine }[] = [];
  for (const text of value.split('\n')) {
    if (text.trim() === '') continue;
    lines.push({ text, parsed: parseChecksumLine(text, options) });
  }
  return lines;
}

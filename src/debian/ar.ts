// The ar archive format as deb(5) uses it: the global header "!<arch>\n", then members, each a
// 60-byte header (name, dates, ids, mode, size, terminator) and its data, padded to an even
// offset. Only the format: headers are parsed from buffers, and reading the file is the caller's.
import { DebianParseError } from './parse-error.ts';

export const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
export const AR_HEADER_SIZE = 60;

export interface ArMemberHeader {
  name: string;
  size: number;
}

export interface ArMember {
  name: string;
  data: Buffer;
}

function fail(message: string): never {
  throw new DebianParseError('ar', message);
}

/** Whether `bytes` begin with the ar global header. */
export function startsWithArMagic(bytes: Buffer): boolean {
  return bytes.length >= AR_MAGIC.length && bytes.subarray(0, AR_MAGIC.length).equals(AR_MAGIC);
}

/** One member header (AR_HEADER_SIZE bytes); throws DebianParseError when it is malformed. */
export function parseArHeader(header: Buffer): ArMemberHeader {
  const text = header.toString('latin1');
  if (text.slice(58, 60) !== '`\n') fail('malformed ar member header (bad terminator)');
  let name = text.slice(0, 16).trimEnd();
  // GNU ar ends names with '/'; dpkg accepts both spellings.
  if (name.endsWith('/')) name = name.slice(0, -1);
  const sizeText = text.slice(48, 58).trim();
  if (!/^[0-9]+$/.test(sizeText)) fail(`malformed ar member header for ${JSON.stringify(name)} (bad size field)`);
  if (!/^[\x21-\x7e]+$/.test(name)) fail(`ar member with an unprintable or empty name ${JSON.stringify(name)}`);
  return { name, size: Number(sizeText) };
}

/** The padding after a member's data: ar keeps every header at an even offset. */
export function arPadding(size: number): number {
  return size % 2;
}

/**
 * The members of a whole archive held in memory, in order. Throws DebianParseError when it is
 * not an ar archive, a header is malformed, or the archive ends inside a header, a member or
 * its padding.
 */
export function readArMembers(bytes: Buffer): ArMember[] {
  if (!startsWithArMagic(bytes)) fail('not an ar archive');
  const members: ArMember[] = [];
  let offset = AR_MAGIC.length;
  while (offset < bytes.length) {
    if (offset + AR_HEADER_SIZE > bytes.length) fail('the archive ends inside a member header');
    const header = parseArHeader(bytes.subarray(offset, offset + AR_HEADER_SIZE));
    const start = offset + AR_HEADER_SIZE;
    const end = start + header.size;
    if (end > bytes.length) fail(`the archive ends inside ${JSON.stringify(header.name)}`);
    members.push({ name: header.name, data: bytes.subarray(start, end) });
    offset = end + arPadding(header.size);
  }
  if (offset !== bytes.length) fail('the archive ends inside the padding of its last member');
  return members;
}

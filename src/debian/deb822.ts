// deb822 control documents (deb822(5)): .dsc, .changes, Packages, Release, debian/control.
//
// Value convention, chosen so that formatDeb822(parseDeb822(x)) === x for a canonical x:
//   - the first line's text (after the colon) is trimmed; it may be empty ("Files:");
//   - each continuation line is appended as "\n" + the line with its single leading
//     space/tab removed and trailing whitespace trimmed, so deeper indentation and " ."
//     lines survive unchanged;
//   - formatting writes "Name: first" ("Name:" when first is empty) and " " + line for
//     each further line; paragraphs end with "\n" and are separated by one blank line.
// Whitespace-only lines always separate paragraphs, so a stored continuation line is never
// empty; formatDeb822 refuses values that break that rule instead of emitting a broken file.
import { DebianParseError } from './parse-error.ts';

export interface Deb822Field {
  name: string;
  value: string;
}

export interface Paragraph {
  fields: Deb822Field[];
}

// deb822(5): printable US-ASCII except space and colon, not starting with '#' or '-'.
const FIELD_NAME = /^[!-9;-~]+$/;

export function isValidFieldName(name: string): boolean {
  return FIELD_NAME.test(name) && !name.startsWith('#') && !name.startsWith('-');
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function parseDeb822(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let current: Deb822Field[] | undefined;
  let seen = new Set<string>();
  let last: Deb822Field | undefined;

  const lines = text.split('\n');
  // A trailing newline leaves one empty element that is not a line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    if (isBlank(line)) {
      if (current) paragraphs.push({ fields: current });
      current = undefined;
      last = undefined;
      seen = new Set();
      continue;
    }
    // Comments may sit anywhere, even between continuation lines, and never end a paragraph.
    if (line.startsWith('#')) continue;

    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!last) throw new DebianParseError('deb822', 'continuation line before any field', lineNo);
      last.value += '\n' + line.slice(1).trimEnd();
      continue;
    }

    const colon = line.indexOf(':');
    if (colon < 0) throw new DebianParseError('deb822', 'line is neither a field nor a continuation', lineNo);
    const name = line.slice(0, colon);
    if (!isValidFieldName(name)) {
      throw new DebianParseError('deb822', `invalid field name ${JSON.stringify(name)}`, lineNo);
    }
    const key = name.toLowerCase();
    if (seen.has(key)) throw new DebianParseError('deb822', `duplicate field ${name}`, lineNo);
    seen.add(key);
    last = { name, value: line.slice(colon + 1).trim() };
    current ??= [];
    current.push(last);
  }
  if (current) paragraphs.push({ fields: current });
  return paragraphs;
}

export function formatDeb822(paragraphs: Paragraph[]): string {
  return paragraphs.map(formatParagraph).join('\n');
}

function formatParagraph(paragraph: Paragraph): string {
  if (paragraph.fields.length === 0) {
    throw new DebianParseError('deb822', 'cannot format an empty paragraph');
  }
  const seen = new Set<string>();
  let out = '';
  for (const { name, value } of paragraph.fields) {
    if (!isValidFieldName(name)) throw new DebianParseError('deb822', `invalid field name ${JSON.stringify(name)}`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new DebianParseError('deb822', `duplicate field ${name}`);
    seen.add(key);
    const [first = '', ...rest] = value.split('\n');
    if (first !== first.trim()) {
      throw new DebianParseError('deb822', `field ${name}: first line has surrounding whitespace`);
    }
    out += first === '' ? `${name}:\n` : `${name}: ${first}\n`;
    for (const line of rest) {
      if (isBlank(line) || line !== line.trimEnd()) {
        throw new DebianParseError('deb822', `field ${name}: continuation line is blank or has trailing whitespace`);
      }
      out += ` ${line}\n`;
    }
  }
  return out;
}

export function getField(paragraph: Paragraph, name: string): string | undefined {
  const key = name.toLowerCase();
  return paragraph.fields.find((field) => field.name.toLowerCase() === key)?.value;
}

export function requireField(paragraph: Paragraph, name: string): string {
  const value = getField(paragraph, name);
  if (value === undefined) throw new DebianParseError('deb822', `missing field ${name}`);
  return value;
}

const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
const END_SIGNATURE = '-----END PGP SIGNATURE-----';
const ARMOR_HEADER = /^[A-Za-z][A-Za-z0-9-]*: ?.*$/;

// Armor lines are compared without trailing whitespace (CRLF files, editors), as dpkg does.
function armorLine(line: string): string {
  return line.replace(/[ \t\r]+$/, '');
}

/**
 * Strips an OpenPGP clear-signed wrapper (RFC 4880 §7). This does not verify anything: the
 * caller keeps the original text for that. Being strict about the frame matters because
 * text outside the signed part (before it, after the signature) would not be covered by a
 * verification, so it is refused rather than ignored.
 */
export function splitClearsigned(text: string): { body: string; signed: boolean } {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && isBlank(lines[i] ?? '')) i++;

  if (i >= lines.length || armorLine(lines[i] ?? '') !== BEGIN_SIGNED) {
    const stray = lines.findIndex((line) => /^-----(BEGIN|END) PGP /.test(line));
    if (stray >= 0) {
      throw new DebianParseError('deb822', 'OpenPGP armor outside a clear-signed message', stray + 1);
    }
    return { body: text, signed: false };
  }
  i++;

  // Armor headers ("Hash: SHA256"), ended by one empty line.
  for (;;) {
    const line = lines[i];
    if (line === undefined) throw new DebianParseError('deb822', 'clear-signed message ends inside its armor headers', i + 1);
    i++;
    if (isBlank(line)) break;
    if (!ARMOR_HEADER.test(armorLine(line))) {
      throw new DebianParseError('deb822', 'malformed armor header in clear-signed message', i);
    }
  }

  const body: string[] = [];
  for (;;) {
    const line = lines[i];
    if (line === undefined) throw new DebianParseError('deb822', 'clear-signed message has no signature', i + 1);
    i++;
    if (armorLine(line) === BEGIN_SIGNATURE) break;
    if (line.startsWith('- ')) {
      body.push(line.slice(2));
    } else if (line.startsWith('-')) {
      // A signer escapes every line starting with '-'; an unescaped one means a broken frame.
      throw new DebianParseError('deb822', 'line starting with "-" is not dash-escaped', i);
    } else {
      body.push(line);
    }
  }

  let ended = false;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!ended) {
      if (armorLine(line) === END_SIGNATURE) ended = true;
      else if (line.startsWith('-----')) throw new DebianParseError('deb822', 'malformed OpenPGP signature block', i + 1);
    } else if (!isBlank(line)) {
      throw new DebianParseError('deb822', 'text after the OpenPGP signature', i + 1);
    }
  }
  if (!ended) throw new DebianParseError('deb822', 'OpenPGP signature block is not terminated', lines.length);
  return { body: body.length === 0 ? '' : body.join('\n') + '\n', signed: true };
}

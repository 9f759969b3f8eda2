// Debian source control files (.dsc, dsc(5)), checked before anything is downloaded or
// unpacked: every name and hash that reaches the intake must already be well-formed.
import { isValidArchName } from './architecture.ts';
import { type ChecksumLine, parseChecksumLines } from './checksum-lines.ts';
import { findUnsafeField } from './control-characters.ts';
import { getField, parseDeb822, splitClearsigned, type Paragraph } from './deb822.ts';
import { checkUploadFileName } from './file-name.ts';
import { DebianParseError } from './parse-error.ts';
import { parseRelations } from './relations.ts';
import { parseVersion } from './version.ts';

export interface DscFile {
  name: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
  /** From Checksums-Sha1 and Files, when the .dsc has them (lowercase hex). */
  sha1?: string;
  md5?: string;
}

export interface Dsc {
  source: string;
  version: string;
  architectures: string[];
  binaries: string[];
  /** Binary package names of Package-List (empty when absent). */
  packageList: string[];
  format?: string;
  /** Raw field values ('' when absent); already checked to parse with parseRelations. */
  buildDepends: string;
  buildDependsArch: string;
  buildDependsIndep: string;
  files: DscFile[];
  /** The input was clear-signed; the signature itself is not checked here. */
  signed: boolean;
}

// Debian policy 5.6.1 (source) and 5.6.7 (binary package names).
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

function fail(message: string): never {
  throw new DebianParseError('dsc', message);
}

function requireDscField(paragraph: Paragraph, name: string): string {
  const value = getField(paragraph, name);
  if (value === undefined) fail(`missing field ${name}`);
  if (value.trim() === '') fail(`empty field ${name}`);
  return value;
}

// "<hash> <size> <name>" lines, as in Checksums-Sha256, Checksums-Sha1 and Files (md5).
function parseChecksumField(field: string, value: string, hashLength: number): ChecksumLine[] {
  const lines: ChecksumLine[] = [];
  const seen = new Set<string>();
  for (const { text, parsed } of parseChecksumLines(value, { hashLength })) {
    if (!parsed.line) {
      if (parsed.problem === 'not-three-words') fail(`invalid field ${field}: line ${JSON.stringify(text)} is not "hash size name"`);
      fail(`invalid field ${field}: ${parsed.problem === 'bad-hash' ? 'bad hash' : 'bad size'} for ${JSON.stringify(parsed.name)}`);
    }
    const { name } = parsed.line;
    const unsafe = checkUploadFileName(name);
    if (unsafe !== undefined) fail(`invalid field ${field}: ${unsafe}: ${JSON.stringify(name)}`);
    if (seen.has(name)) fail(`invalid field ${field}: file ${JSON.stringify(name)} listed twice`);
    seen.add(name);
    lines.push(parsed.line);
  }
  if (lines.length === 0) fail(`empty field ${field}`);
  return lines;
}

// Files and Checksums-Sha1 are optional, but when present they must describe exactly the
// same files: a file only they list would be unpacked without a SHA-256 check.
// Their hashes are kept, so intake checks every checksum the .dsc lists.
function checkSameFiles(field: string, lines: ChecksumLine[], files: DscFile[], key: 'sha1' | 'md5'): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const line of lines) {
    const file = byName.get(line.name);
    if (file === undefined) fail(`invalid field ${field}: ${JSON.stringify(line.name)} is not in Checksums-Sha256`);
    if (file.size !== line.size) fail(`invalid field ${field}: size of ${JSON.stringify(line.name)} differs from Checksums-Sha256`);
    file[key] = line.hash;
  }
  if (lines.length !== files.length) fail(`invalid field ${field}: does not list every file of Checksums-Sha256`);
}

// "<name> <type> <section> <priority> [key=value…]" lines (dsc(5)).
function parsePackageList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names: string[] = [];
  for (const line of value.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (!name) continue;
    if (!PACKAGE_NAME.test(name)) fail(`invalid field Package-List: ${JSON.stringify(name)} is not a valid package name`);
    names.push(name);
  }
  return names;
}

function checkRelations(paragraph: Paragraph, field: string): string {
  const value = getField(paragraph, field) ?? '';
  try {
    parseRelations(value);
  } catch (error) {
    if (error instanceof DebianParseError) fail(`invalid field ${field}: ${error.message}`);
    throw error;
  }
  return value;
}

export function parseDsc(text: string): Dsc {
  const { body, signed } = splitClearsigned(text);
  const paragraphs = parseDeb822(body);
  if (paragraphs.length > 1) fail('a .dsc has one paragraph, found several');
  const paragraph = paragraphs[0] ?? { fields: [] };
  // Its fields become a Sources stanza that apt and web pages print.
  const unsafe = findUnsafeField(paragraph.fields);
  if (unsafe) fail(`the ${unsafe.field} field holds the control character ${unsafe.character}`);

  const source = requireDscField(paragraph, 'Source');
  if (!PACKAGE_NAME.test(source)) fail(`invalid field Source: ${JSON.stringify(source)} is not a valid source package name`);

  const version = requireDscField(paragraph, 'Version');
  try {
    parseVersion(version);
  } catch (error) {
    if (error instanceof DebianParseError) fail(`invalid field Version: ${error.message}`);
    throw error;
  }

  const architectures = requireDscField(paragraph, 'Architecture')
    .split(/\s+/)
    .filter((a) => a !== '');
  for (const arch of architectures) {
    if (!isValidArchName(arch)) fail(`invalid field Architecture: ${JSON.stringify(arch)}`);
  }

  const files = parseChecksumField('Checksums-Sha256', requireDscField(paragraph, 'Checksums-Sha256'), 64).map(
    ({ hash, size, name }): DscFile => ({ name, size, sha256: hash }),
  );
  for (const [field, hashLength, key] of [
    ['Checksums-Sha1', 40, 'sha1'],
    ['Files', 32, 'md5'],
  ] as const) {
    const value = getField(paragraph, field);
    if (value !== undefined) checkSameFiles(field, parseChecksumField(field, value, hashLength), files, key);
  }

  const binaryField = getField(paragraph, 'Binary');
  const binaries = binaryField === undefined ? [] : binaryField.split(',').map((name) => name.trim());
  for (const name of binaries) {
    if (!PACKAGE_NAME.test(name)) fail(`invalid field Binary: ${JSON.stringify(name)} is not a valid package name`);
  }

  const dsc: Dsc = {
    source,
    version: version.trim(),
    architectures,
    binaries,
    packageList: parsePackageList(getField(paragraph, 'Package-List')),
    buildDepends: checkRelations(paragraph, 'Build-Depends'),
    buildDependsArch: checkRelations(paragraph, 'Build-Depends-Arch'),
    buildDependsIndep: checkRelations(paragraph, 'Build-Depends-Indep'),
    files,
    signed,
  };
  const format = getField(paragraph, 'Format');
  if (format !== undefined) dsc.format = format;
  return dsc;
}

// Stanzas of the Packages and Sources indices, and the index files built from them.
// A stanza is produced once, when a package is published (the caller stores it), and the
// index files are rebuilt from stored stanzas on every publication.
import { parseChecksumLines } from '../../debian/checksum-lines.ts';
import { formatDeb822, getField, parseDeb822, type Paragraph } from '../../debian/deb822.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { compareVersions } from '../../debian/version.ts';
import type { DebInfo } from '../deb/inspect-deb.ts';
import { assertRelativeRepoPath } from '../pool/pool-path.ts';
import { RepoError } from '../repo-error.ts';

// dpkg's field order for Packages stanzas (Dpkg::Control::FieldsCore, CTRL_INDEX_PKG):
// dpkg-scanpackages writes known fields in this order, then any others sorted by name.
const BIN_DEP_FIELDS = [
  'Pre-Depends',
  'Depends',
  'Recommends',
  'Suggests',
  'Enhances',
  'Conflicts',
  'Breaks',
  'Replaces',
  'Provides',
  'Built-Using',
  'Static-Built-Using',
];
const PACKAGES_ORDER = [
  'Package',
  'Package-Type',
  'Source',
  'Version',
  'Kernel-Version',
  'Built-For-Profiles',
  'Auto-Built-Package',
  'Architecture',
  'Subarchitecture',
  'Installer-Menu-Item',
  'Build-Essential',
  'Essential',
  'Protected',
  'Origin',
  'Bugs',
  'Maintainer',
  'Installed-Size',
  ...BIN_DEP_FIELDS,
  'Filename',
  'Size',
  'MD5sum',
  'SHA1',
  'SHA256',
  'Section',
  'Priority',
  'Multi-Arch',
  'Homepage',
  'Description',
  'Tag',
  'Task',
];

// CTRL_INDEX_SRC, the order dpkg-scansources uses.
const SOURCES_ORDER = [
  'Format',
  'Package',
  'Binary',
  'Architecture',
  'Version',
  'Priority',
  'Section',
  'Origin',
  'Maintainer',
  'Uploaders',
  'Homepage',
  'Description',
  'Standards-Version',
  'Vcs-Browser',
  'Vcs-Arch',
  'Vcs-Bzr',
  'Vcs-Cvs',
  'Vcs-Darcs',
  'Vcs-Git',
  'Vcs-Hg',
  'Vcs-Mtn',
  'Vcs-Svn',
  'Testsuite',
  'Testsuite-Triggers',
  'Build-Depends',
  'Build-Depends-Arch',
  'Build-Depends-Indep',
  'Build-Conflicts',
  'Build-Conflicts-Arch',
  'Build-Conflicts-Indep',
  'Package-List',
  'Directory',
  'Checksums-Md5',
  'Checksums-Sha1',
  'Checksums-Sha256',
  'Files',
];

// Fields the index computes itself; a .deb or .dsc that carries them must not override ours.
const PACKAGES_COMPUTED = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512', 'description-md5']);
const SOURCES_COMPUTED = new Set([
  'directory',
  'files',
  'checksums-md5',
  'checksums-sha1',
  'checksums-sha256',
  'checksums-sha512',
  'source',
  'package',
]);

// dpkg's field_capitalize for fields it does not know: each dash-separated word ucfirst.
function capitalize(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('-');
}

const ranks = new WeakMap<string[], Map<string, number>>();

/** Orders fields like Dpkg::Control: known ones by `order`, the rest by capitalized name. */
function orderFields(fields: Paragraph['fields'], order: string[]): Paragraph['fields'] {
  let rank = ranks.get(order);
  if (!rank) {
    rank = new Map(order.map((name, i) => [name.toLowerCase(), i]));
    ranks.set(order, rank);
  }
  return [...fields].sort((a, b) => {
    const ra = rank.get(a.name.toLowerCase());
    const rb = rank.get(b.name.toLowerCase());
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    const ca = capitalize(a.name);
    const cb = capitalize(b.name);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  });
}

function format(fields: Paragraph['fields']): string {
  try {
    return formatDeb822([{ fields }]);
  } catch (err) {
    if (err instanceof DebianParseError) throw new RepoError('bad-control', `cannot write index stanza: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The Packages stanza of one .deb: its control fields in dpkg-scanpackages order with
 * Filename, Size, MD5sum and SHA256 added. Ends with a newline, no blank line.
 */
export function formatPackagesStanza(info: Pick<DebInfo, 'control' | 'size' | 'md5' | 'sha256'>, filename: string): string {
  assertRelativeRepoPath(filename, 'pool/');
  const fields = info.control.fields.filter((f) => !PACKAGES_COMPUTED.has(f.name.toLowerCase()));
  fields.push(
    { name: 'Filename', value: filename },
    { name: 'Size', value: String(info.size) },
    { name: 'MD5sum', value: info.md5 },
    { name: 'SHA256', value: info.sha256 },
  );
  return format(orderFields(fields, PACKAGES_ORDER));
}

export interface SourceIndexFile {
  name: string;
  size: number;
  sha256: string;
  /** Needed only when the .dsc itself has a Files (MD5) list. */
  md5?: string;
}

interface ChecksumLine {
  hash: string;
  size: string;
  name: string;
}

// Names that can become a pool path (pool-path.ts's character set).
const POOL_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+~:-]*$/;

function checksumLines(dsc: Paragraph, field: string): ChecksumLine[] | undefined {
  const value = getField(dsc, field);
  if (value === undefined) return undefined;
  const lines: ChecksumLine[] = [];
  for (const { text, parsed } of parseChecksumLines(value)) {
    // Words one space apart, stricter than dpkg (any white space): what is refused stays as it was.
    if (!parsed.line || text.trim() !== parsed.words.join(' ') || !POOL_FILE_NAME.test(parsed.line.name)) {
      throw new RepoError('bad-dsc', `${field} line ${JSON.stringify(text)} is not "hash size name"`);
    }
    // The size as the .dsc spells it, as dpkg-scansources writes it back.
    lines.push({ hash: parsed.line.hash, size: parsed.words[1], name: parsed.line.name });
  }
  return lines;
}

function listValue(lines: ChecksumLine[]): string {
  return '\n' + lines.map((l) => `${l.hash} ${l.size} ${l.name}`).join('\n');
}

/**
 * The Sources stanza of one source package: the .dsc's fields with Source renamed to
 * Package, Directory added, and the .dsc itself prepended to Checksums-Sha256 (and to
 * Files when the .dsc has that MD5 list). Checksums-Sha1/512 are dropped: the .dsc's own
 * SHA-1 is not known here, and apt uses the strongest list anyway.
 */
export function formatSourcesStanza(dsc: Paragraph, opts: { directory: string; dscFile: SourceIndexFile }): string {
  const { directory, dscFile } = opts;
  assertRelativeRepoPath(directory, 'pool/');
  const source = getField(dsc, 'Source');
  if (source === undefined || source.trim() === '') throw new RepoError('bad-dsc', 'the .dsc has no Source field');
  const sha256 = checksumLines(dsc, 'Checksums-Sha256');
  if (sha256 === undefined || sha256.length === 0) throw new RepoError('bad-dsc', 'the .dsc has no Checksums-Sha256 list');
  const md5 = checksumLines(dsc, 'Files');
  if (!/^[A-Za-z0-9][A-Za-z0-9._+~:-]*\.dsc$/.test(dscFile.name)) {
    throw new RepoError('bad-dsc', `${JSON.stringify(dscFile.name)} is not a .dsc file name`);
  }

  const fields = dsc.fields.filter((f) => !SOURCES_COMPUTED.has(f.name.toLowerCase()));
  fields.push({ name: 'Package', value: source.trim() }, { name: 'Directory', value: directory });
  fields.push({
    name: 'Checksums-Sha256',
    value: listValue([{ hash: dscFile.sha256, size: String(dscFile.size), name: dscFile.name }, ...sha256]),
  });
  if (md5 !== undefined) {
    if (dscFile.md5 === undefined) throw new RepoError('bad-dsc', 'the .dsc has a Files list, so the MD5 of the .dsc is needed');
    fields.push({ name: 'Files', value: listValue([{ hash: dscFile.md5, size: String(dscFile.size), name: dscFile.name }, ...md5]) });
  }
  return format(orderFields(fields, SOURCES_ORDER));
}

interface StanzaKey {
  name: string;
  version: string;
  arch: string;
  text: string;
}

function keyOf(stanza: string, nameField: string): StanzaKey {
  let paragraphs: Paragraph[];
  try {
    paragraphs = parseDeb822(stanza);
  } catch (err) {
    throw new Error(`stored index stanza does not parse: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  // One paragraph exactly: a stored stanza must not be able to smuggle in a second package.
  const [p, ...extra] = paragraphs;
  if (!p || extra.length > 0) throw new Error(`stored index stanza must be one paragraph, it is ${paragraphs.length}`);
  const name = getField(p, nameField);
  const version = getField(p, 'Version');
  if (!name || !version) throw new Error(`stored index stanza lacks ${nameField} or Version`);
  return { name, version, arch: getField(p, 'Architecture') ?? '', text: stanza.replace(/\n*$/, '\n') };
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function buildIndex(stanzas: string[], nameField: string): string {
  const keys = stanzas.map((s) => keyOf(s, nameField));
  // A stable order makes the file (and so its by-hash name) depend only on what is published.
  keys.sort((a, b) => byteOrder(a.name, b.name) || compareVersions(a.version, b.version) || byteOrder(a.arch, b.arch));
  for (let i = 1; i < keys.length; i++) {
    const prev = keys[i - 1]!;
    const cur = keys[i]!;
    if (prev.name === cur.name && compareVersions(prev.version, cur.version) === 0 && prev.arch === cur.arch) {
      throw new Error(`index would list ${cur.name} ${cur.version} ${cur.arch} twice`);
    }
  }
  // Every stanza followed by a blank line, as dpkg-scanpackages and dak write it.
  return keys.map((k) => k.text + '\n').join('');
}

/** The Packages file: stanzas sorted by package, version, architecture, each ending in a blank line. */
export function buildPackagesFile(stanzas: string[]): string {
  return buildIndex(stanzas, 'Package');
}

/** The Sources file, sorted by package and version. */
export function buildSourcesFile(stanzas: string[]): string {
  return buildIndex(stanzas, 'Package');
}

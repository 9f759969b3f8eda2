// Release files: the suite's top Release (what InRelease signs) and the small per-component
// Release files next to each index.
import { parseChecksumLines } from '../../debian/checksum-lines.ts';
import { formatDeb822, getField, parseDeb822, type Deb822Field } from '../../debian/deb822.ts';
import { assertArchitecture, assertComponent, assertRelativeRepoPath, assertSuite } from '../pool/pool-path.ts';
import { RepoError } from '../repo-error.ts';

/** An index file as the top Release lists it, path relative to `dists/<suite>/`. */
export interface IndexFile {
  path: string;
  size: number;
  md5: string;
  sha256: string;
}

export interface ReleaseOptions {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  date: Date;
  validUntil?: Date;
  architectures: string[];
  components: string[];
  description?: string;
  files: IndexFile[];
}

export interface ComponentReleaseOptions {
  archive: string;
  codename?: string;
  origin: string;
  label: string;
  component: string;
  /** A binary architecture, or "source" for `<component>/source/Release`. */
  architecture: string;
}

/** RFC 2822 in UTC, as dak writes it: "Sat, 28 Nov 2026 09:05:00 UTC". */
export function formatReleaseDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  // toUTCString is the RFC 7231 form of RFC 2822 with "GMT"; Debian spells the zone "UTC".
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

function singleLine(name: string, value: string): Deb822Field {
  if (value.trim() === '' || value !== value.trim() || /[\r\n]/.test(value)) {
    throw new RepoError(
      'bad-name',
      `Release field ${name} must be one non-empty line without surrounding spaces, got ${JSON.stringify(value)}`,
    );
  }
  return { name, value };
}

function checksumList(files: IndexFile[], pick: (f: IndexFile) => string): string {
  const width = Math.max(...files.map((f) => String(f.size).length));
  return '\n' + files.map((f) => `${pick(f)} ${String(f.size).padStart(width)} ${f.path}`).join('\n');
}

/** The suite's Release, in the field order of Dpkg::Control (CTRL_REPO_RELEASE). */
export function buildReleaseFile(opts: ReleaseOptions): string {
  assertSuite(opts.suite);
  assertSuite(opts.codename, 'codename');
  opts.architectures.forEach(assertArchitecture);
  opts.components.forEach(assertComponent);
  if (opts.files.length === 0) throw new Error('a Release file must list at least one index file');
  for (const f of opts.files) {
    assertRelativeRepoPath(f.path);
    if (!/^[0-9a-f]{32}$/.test(f.md5) || !/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`bad checksum for ${f.path}`);
  }
  const files = [...opts.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fields: Deb822Field[] = [
    singleLine('Origin', opts.origin),
    singleLine('Label', opts.label),
    { name: 'Suite', value: opts.suite },
    { name: 'Codename', value: opts.codename },
    { name: 'Date', value: formatReleaseDate(opts.date) },
  ];
  if (opts.validUntil) fields.push({ name: 'Valid-Until', value: formatReleaseDate(opts.validUntil) });
  // by-hash lets a client that holds the previous InRelease still fetch the indices it names.
  fields.push(
    { name: 'Acquire-By-Hash', value: 'yes' },
    { name: 'Architectures', value: opts.architectures.join(' ') },
    { name: 'Components', value: opts.components.join(' ') },
  );
  if (opts.description !== undefined) fields.push(singleLine('Description', opts.description));
  fields.push(
    { name: 'MD5Sum', value: checksumList(files, (f) => f.md5) },
    { name: 'SHA256', value: checksumList(files, (f) => f.sha256) },
  );
  return formatDeb822([{ fields }]);
}

/** `dists/<suite>/<component>/binary-<arch>/Release` (or `source/Release`). */
export function buildComponentRelease(opts: ComponentReleaseOptions): string {
  assertSuite(opts.archive);
  assertComponent(opts.component);
  if (opts.architecture !== 'source') assertArchitecture(opts.architecture);
  const fields: Deb822Field[] = [{ name: 'Archive', value: opts.archive }];
  if (opts.codename !== undefined) {
    assertSuite(opts.codename, 'codename');
    fields.push({ name: 'Codename', value: opts.codename });
  }
  fields.push(
    singleLine('Origin', opts.origin),
    singleLine('Label', opts.label),
    { name: 'Component', value: opts.component },
    { name: 'Architecture', value: opts.architecture },
  );
  return formatDeb822([{ fields }]);
}

export interface ReleaseChecksum {
  path: string;
  size: number;
  sha256: string;
}

/** The SHA256 list of a Release (or InRelease body): what that Release makes reachable. */
export function readReleaseSha256(text: string): ReleaseChecksum[] {
  const [paragraph] = parseDeb822(text);
  const value = paragraph ? getField(paragraph, 'SHA256') : undefined;
  if (value === undefined) return [];
  const out: ReleaseChecksum[] = [];
  for (const { parsed } of parseChecksumLines(value, { hashLength: 64 })) {
    if (parsed.line) out.push({ path: parsed.line.name, size: parsed.line.size, sha256: parsed.line.hash });
  }
  return out;
}

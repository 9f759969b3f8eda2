// A suite's source index, as apt gets it: InRelease (signature checked), then Sources.xz or
// .gz whose SHA-256 InRelease lists, decompressed and cached under DATA_DIR/archive-cache.
// InRelease is asked for with If-None-Match / If-Modified-Since, and Sources is kept by its
// hash, so an unchanged archive costs one small request.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { writeFileAtomic } from '../../atomic-write.ts';
import { parseChecksumLines } from '../../debian/checksum-lines.ts';
import { getField, parseDeb822, type Paragraph, splitClearsigned } from '../../debian/deb822.ts';
import { checkUploadFileName } from '../../debian/file-name.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { DomainError } from '../../domain-error.ts';
import { hashingStage, StreamHash } from '../../stream-hash.ts';
import { type Keyring, verifyClearsigned } from '../openpgp-keyring.ts';
import { FetchFailure, httpGet, type HttpSettings } from './archive-http.ts';
import type { ArchiveSuite } from './archive-settings.ts';

const MAX_INRELEASE_BYTES = 32 * 1024 * 1024;
const MAX_SOURCES_BYTES = 4 * 1024 * 1024 * 1024;
/** Superseded Sources files stay this long, for a replica still reading one. */
const KEEP_OLD_SOURCES_MS = 60 * 60 * 1000;

export interface IndexDeps {
  /** DATA_DIR/archive-cache */
  cacheDir: string;
  /** Undefined: InRelease is not verified (no keyring configured or installed). */
  keyring: Keyring | undefined;
  http: HttpSettings;
  now?: () => Date;
}

export interface SourcesIndex {
  suite: ArchiveSuite;
  /** The decompressed, verified Sources file. */
  sourcesPath: string;
  /** What it cost: whether InRelease changed and Sources had to be downloaded. */
  inRelease: 'downloaded' | 'not-modified';
  sources: 'downloaded' | 'cached';
  /** InRelease's Date, for logs. */
  date: string | undefined;
}

export interface SourceEntryFile {
  name: string;
  size: number;
  sha256: string;
}

/** One paragraph of Sources: a version of a source package and where its files are. */
export interface SourceEntry {
  source: string;
  version: string;
  directory: string;
  files: SourceEntryFile[];
}

interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

interface ListedFile {
  sha256: string;
  size: number;
}

function suiteCacheDir(deps: IndexDeps, suite: ArchiveSuite): string {
  // The URL is part of the name, so pointing a suite at another mirror never reuses its cache.
  const url = `${suite.baseUrl}/dists/${suite.name}`;
  return path.join(deps.cacheDir, `${suite.name}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`);
}

async function readBody(body: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new FetchFailure(`${what} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A stream stage that hashes what passes and refuses more than `limit` bytes. */
function meter(limit: number, tooLarge: () => Error): { stage: Transform; digest: () => { sha256: string; size: number } } {
  const hash = new StreamHash(['sha256']);
  const stage = hashingStage(hash, (chunk) => {
    if (hash.size + chunk.length > limit) throw tooLarge();
  });
  return { stage, digest: () => hash.digest() };
}

async function fetchInRelease(
  suite: ArchiveSuite,
  dir: string,
  deps: IndexDeps,
): Promise<{ release: Paragraph; state: SourcesIndex['inRelease'] }> {
  const url = `${suite.baseUrl}/dists/${suite.name}/InRelease`;
  const cachedFile = path.join(dir, 'InRelease');
  const metaFile = path.join(dir, 'InRelease.meta.json');
  const meta = await readFile(metaFile, 'utf8')
    .then((text) => JSON.parse(text) as CacheMeta)
    .catch(() => undefined);
  const cached = meta?.url === url ? await readFile(cachedFile, 'utf8').catch(() => undefined) : undefined;
  const conditional: Record<string, string> = {};
  if (cached !== undefined && meta) {
    if (meta.etag) conditional['if-none-match'] = meta.etag;
    if (meta.lastModified) conditional['if-modified-since'] = meta.lastModified;
  }
  return httpGet(
    url,
    deps.http,
    async (response) => {
      if (response.status === 304 && cached !== undefined) {
        response.body.resume();
        // The cached copy is checked again: its signature or validity may have run out since.
        return { release: await verifyInRelease(suite, cached, deps), state: 'not-modified' as const };
      }
      const text = (await readBody(response.body, MAX_INRELEASE_BYTES, `InRelease of ${suite.name}`)).toString('utf8');
      // Only verified files are cached: a forged one is refused on every attempt, not remembered.
      const release = await verifyInRelease(suite, text, deps);
      const next: CacheMeta = { url };
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      if (etag) next.etag = etag;
      if (lastModified) next.lastModified = lastModified;
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(cachedFile, text);
      await writeFileAtomic(metaFile, `${JSON.stringify(next)}\n`);
      return { release, state: 'downloaded' as const };
    },
    conditional,
  );
}

async function verifyInRelease(suite: ArchiveSuite, text: string, deps: IndexDeps): Promise<Paragraph> {
  const what = `InRelease of ${suite.name}`;
  let signed: string;
  try {
    signed = deps.keyring ? (await verifyClearsigned(text, deps.keyring, what)).text : splitClearsigned(text).body;
  } catch (error) {
    if (error instanceof DomainError || error instanceof DebianParseError) throw new FetchFailure(error.message);
    throw error;
  }
  let release: Paragraph | undefined;
  try {
    release = parseDeb822(signed)[0];
  } catch (error) {
    if (error instanceof DebianParseError) throw new FetchFailure(`${what} cannot be parsed: ${error.message}`);
    throw error;
  }
  if (!release) throw new FetchFailure(`${what} is empty`);
  // A mirror must not pass off another suite's signed file (an old or a different one) as this one.
  const names = [getField(release, 'Codename'), getField(release, 'Suite')];
  if (!names.includes(suite.name)) {
    throw new FetchFailure(`${what} describes suite ${names.filter(Boolean).join('/') || '(none)'}, not ${suite.name}`);
  }
  const validUntil = getField(release, 'Valid-Until');
  if (validUntil !== undefined) {
    const until = Date.parse(validUntil);
    const now = (deps.now?.() ?? new Date()).getTime();
    if (Number.isNaN(until)) throw new FetchFailure(`${what} has an unreadable Valid-Until: ${validUntil}`);
    if (until < now) throw new FetchFailure(`${what} expired at ${validUntil}`);
  }
  return release;
}

function listedFiles(release: Paragraph): Map<string, ListedFile> {
  const files = new Map<string, ListedFile>();
  // apt ignores what follows the name, and lines it cannot read.
  for (const { parsed } of parseChecksumLines(getField(release, 'SHA256') ?? '', { hashLength: 64, ignoreExtraWords: true })) {
    if (parsed.line) files.set(parsed.line.name, { sha256: parsed.line.hash, size: parsed.line.size });
  }
  return files;
}

/** Downloads `url` to `file`, checking the size and SHA-256 InRelease gave for it. */
async function downloadChecked(url: string, file: string, listed: ListedFile, name: string, deps: IndexDeps): Promise<void> {
  await httpGet(url, deps.http, async (response) => {
    const m = meter(listed.size, () => new FetchFailure(`size mismatch for ${name}: more than ${listed.size} bytes`));
    try {
      await pipeline(response.body, m.stage, createWriteStream(file));
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    const got = m.digest();
    if (got.size !== listed.size || got.sha256 !== listed.sha256) {
      await rm(file, { force: true });
      throw new FetchFailure(`hash mismatch for ${name}: InRelease lists ${listed.size} bytes with SHA-256 ${listed.sha256}`);
    }
  });
}

/** Decompresses with `xz -dc` (as the .deb inspector does) or zlib, hashing the output. */
async function decompress(input: string, output: string, kind: 'xz' | 'gz' | 'none', limit: number, name: string) {
  const m = meter(limit, () => new FetchFailure(`${name} decompresses to more than ${limit} bytes`));
  const out = createWriteStream(output);
  if (kind === 'xz') {
    // xz reads the file itself; only its output passes through Node, to be hashed.
    const child = spawn('xz', ['-dcq', '--', input], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text.slice(0, 2000)));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    try {
      await pipeline(child.stdout, m.stage, out);
    } catch (error) {
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
      throw error;
    }
    const code = await exited;
    if (code !== 0) throw new FetchFailure(`${name} cannot be decompressed: ${stderr.trim() || `xz exit status ${code}`}`);
  } else if (kind === 'gz') {
    await pipeline(createReadStream(input), createGunzip(), m.stage, out).catch((error: unknown) => {
      if (error instanceof FetchFailure) throw error;
      throw new FetchFailure(`${name} cannot be decompressed: ${(error as Error).message}`);
    });
  } else {
    await pipeline(createReadStream(input), m.stage, out);
  }
  return m.digest();
}

async function removeOldSources(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!entry.startsWith('Sources.') || entry === path.basename(keep)) continue;
    const file = path.join(dir, entry);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > KEEP_OLD_SOURCES_MS) await rm(file, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The suite's current Sources, verified and decompressed, downloading only what changed. */
export async function loadSourcesIndex(suite: ArchiveSuite, deps: IndexDeps): Promise<SourcesIndex> {
  const dir = suiteCacheDir(deps, suite);
  await mkdir(dir, { recursive: true });
  const inRelease = await fetchInRelease(suite, dir, deps);
  const { release } = inRelease;
  const listed = listedFiles(release);
  const base = `${suite.component}/source/Sources`;
  const candidates = (['xz', 'gz', 'none'] as const)
    .map((kind) => ({ kind, name: kind === 'none' ? base : `${base}.${kind}` }))
    .flatMap((c) => {
      const file = listed.get(c.name);
      return file ? [{ ...c, file }] : [];
    });
  const chosen = candidates[0];
  if (!chosen) throw new FetchFailure(`InRelease of ${suite.name} lists no ${base}(.xz|.gz)`);
  const plain = listed.get(base);
  const sourcesPath = path.join(dir, `Sources.${chosen.file.sha256}`);
  const result = { suite, sourcesPath, inRelease: inRelease.state, date: getField(release, 'Date') };
  if (await exists(sourcesPath)) return { ...result, sources: 'cached' };

  const tmp = `${sourcesPath}.tmp-${randomBytes(6).toString('hex')}`;
  const download = `${tmp}.${chosen.kind}`;
  try {
    const plainUrl = `${suite.baseUrl}/dists/${suite.name}/${chosen.name}`;
    // by-hash names never change meaning, so a mirror updating under us cannot mix versions.
    const byHash = getField(release, 'Acquire-By-Hash') === 'yes';
    const hashUrl = `${suite.baseUrl}/dists/${suite.name}/${suite.component}/source/by-hash/SHA256/${chosen.file.sha256}`;
    try {
      await downloadChecked(byHash ? hashUrl : plainUrl, download, chosen.file, `${suite.name}/${chosen.name}`, deps);
    } catch (error) {
      if (!(byHash && error instanceof FetchFailure && error.status === 404)) throw error;
      await downloadChecked(plainUrl, download, chosen.file, `${suite.name}/${chosen.name}`, deps);
    }
    const limit = plain?.size ?? MAX_SOURCES_BYTES;
    const got = await decompress(download, tmp, chosen.kind, limit, `${suite.name}/${chosen.name}`);
    if (plain && (got.sha256 !== plain.sha256 || got.size !== plain.size)) {
      throw new FetchFailure(`hash mismatch for ${suite.name}/${base} after decompressing ${chosen.name}`);
    }
    await rename(tmp, sourcesPath);
  } finally {
    await rm(download, { force: true });
    await rm(tmp, { force: true });
  }
  await removeOldSources(dir, sourcesPath);
  return { ...result, sources: 'downloaded' };
}

function parseEntry(paragraph: Paragraph, suite: string): SourceEntry {
  const source = getField(paragraph, 'Package') ?? '';
  const fail = (why: string): never => {
    throw new FetchFailure(`Sources of ${suite}: the entry for ${source} ${why}`);
  };
  const version = getField(paragraph, 'Version')?.trim();
  if (!version) fail('has no Version');
  const directory = getField(paragraph, 'Directory')?.trim() ?? '';
  // Directory becomes part of a URL: a relative path inside the mirror, nothing else.
  if (!/^[A-Za-z0-9][A-Za-z0-9+._~/-]*$/.test(directory) || directory.split('/').some((s) => s === '' || s === '..' || s === '.')) {
    fail(`has an unusable Directory ${JSON.stringify(directory)}`);
  }
  const files: SourceEntryFile[] = [];
  for (const { parsed } of parseChecksumLines(getField(paragraph, 'Checksums-Sha256') ?? '', { hashLength: 64 })) {
    if (!parsed.line) return fail(`has a malformed Checksums-Sha256 line`);
    const { name, size, hash } = parsed.line;
    const unsafe = checkUploadFileName(name);
    if (unsafe) fail(`lists a file with an unusable name: ${unsafe}`);
    files.push({ name, size, sha256: hash });
  }
  if (files.length === 0) fail('lists no files with a SHA-256');
  return { source, version: version!, directory, files };
}

export interface SourceLookup {
  entries: SourceEntry[];
  /** When there is no entry: names in the index that look like the one asked for. */
  similar: string[];
}

// How alike two package names look, for "similar names" hints: the edit distance (up to 2),
// or 3 for a name that extends the other; undefined when they are not alike.
function likeness(a: string, b: string): number | undefined {
  if (Math.abs(a.length - b.length) <= 2) {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const next = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = row[j]!;
        row[j] = next;
      }
    }
    if (row[b.length]! <= 2) return row[b.length]!;
  }
  return a.startsWith(b) || b.startsWith(a) ? 3 : undefined;
}

/**
 * Calls `visit` with the Sources file in pieces that each end at a paragraph boundary, so no
 * paragraph is split; the file is read in large chunks, not line by line (it is ~50 MB). One
 * buffer is read into again and again: a new buffer per chunk (and per joined remainder) made
 * ~100 MB of garbage a pass, which the process kept as resident memory long after. `visit` must
 * copy out what it keeps: the bytes are overwritten by the next piece.
 */
async function forEachRegion(file: string, visit: (region: Buffer) => void, chunkBytes = 4 * 1024 * 1024): Promise<void> {
  const handle = await open(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        // One paragraph longer than the buffer: read on into a larger one.
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      const boundary = filled < 2 ? -1 : buffer.lastIndexOf('\n\n', filled - 2);
      if (boundary < 0) continue;
      visit(buffer.subarray(0, boundary + 1));
      buffer.copy(buffer, 0, boundary + 2, filled);
      filled -= boundary + 2;
    }
    if (filled > 0) visit(buffer.subarray(0, filled));
  } finally {
    await handle.close();
  }
}

/** Every entry of source package `name` in the index (a suite may hold several versions). */
export async function findSourceEntries(index: SourcesIndex, name: string): Promise<SourceLookup> {
  const entries: SourceEntry[] = [];
  const needle = Buffer.from(`Package: ${name}\n`);
  await forEachRegion(index.sourcesPath, (region) => {
    for (let at = region.indexOf(needle); at >= 0; at = region.indexOf(needle, at + needle.length)) {
      if (at > 0 && region[at - 1] !== 0x0a) continue; // "Package: x" only at the start of a line
      const start = region.lastIndexOf('\n\n', at);
      const end = region.indexOf('\n\n', at);
      const text = region.subarray(start < 0 ? 0 : start + 2, end < 0 ? region.length : end + 1).toString('utf8');
      try {
        for (const paragraph of parseDeb822(text)) {
          if (getField(paragraph, 'Package') === name) entries.push(parseEntry(paragraph, index.suite.name));
        }
      } catch (error) {
        if (error instanceof DebianParseError) {
          throw new FetchFailure(`Sources of ${index.suite.name}: the entry for ${name} cannot be parsed: ${error.message}`);
        }
        throw error;
      }
    }
  });
  if (entries.length > 0) return { entries, similar: [] };

  // Not there: a second, slower pass collects the names that look like it, for the reason.
  const similar = new Map<string, number>();
  await forEachRegion(index.sourcesPath, (region) => {
    for (const match of region.toString('latin1').matchAll(/^Package: *(\S+) *$/gm)) {
      const pkg = match[1]!;
      if (similar.has(pkg)) continue;
      const score = likeness(pkg, name);
      if (score !== undefined) similar.set(pkg, score);
    }
  });
  const closest = [...similar].sort(([a, x], [b, y]) => x - y || a.localeCompare(b)).map(([pkg]) => pkg);
  return { entries, similar: closest.slice(0, 5) };
}

/** The value of field `name` in the paragraph region[start, end), unfolded; undefined if absent. */
function fieldIn(region: Buffer, start: number, end: number, name: string): string | undefined {
  const first = start + name.length + 1 <= end && region.toString('latin1', start, start + name.length + 1) === `${name}:`;
  const line = first ? start - 1 : region.indexOf(`\n${name}:`, start);
  if ((!first && line < 0) || line >= end) return undefined;
  const at = line + 1;
  let valueEnd = region.indexOf(0x0a, at);
  while (valueEnd >= 0 && valueEnd + 1 < end && (region[valueEnd + 1] === 0x20 || region[valueEnd + 1] === 0x09)) {
    valueEnd = region.indexOf(0x0a, valueEnd + 1);
  }
  return region.toString('latin1', at + name.length + 1, valueEnd < 0 || valueEnd > end ? end : valueEnd).trim();
}

/**
 * The source packages that build each of `names`, by their `Binary:` fields: what apt does when
 * asked for the source of a binary package (`zstd` is built by `libzstd`). One pass over the
 * file answers any number of names. The bytes are searched in place, 1 MiB at a time, and only
 * the fields read are copied out: a string of the whole ~50 MB would grow the heap by its size.
 */
export async function findSourcesOfBinaries(index: SourcesIndex, names: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  await forEachRegion(
    index.sourcesPath,
    (region) => {
      for (let start = 0; start < region.length;) {
        const blank = region.indexOf('\n\n', start);
        const end = blank < 0 ? region.length : blank + 1;
        for (const binary of (fieldIn(region, start, end, 'Binary') ?? '').split(/[\s,]+/)) {
          const source = names.has(binary) ? fieldIn(region, start, end, 'Package') : undefined;
          if (!source) continue;
          const known = found.get(binary);
          if (!known) found.set(binary, [source]);
          else if (!known.includes(source)) known.push(source);
        }
        start = end + 1;
      }
    },
    1024 * 1024,
  );
  for (const sources of found.values()) sources.sort();
  return found;
}

/** The source packages that build binary `name` (see findSourcesOfBinaries). */
export async function findSourcesOfBinary(index: SourcesIndex, name: string): Promise<string[]> {
  return (await findSourcesOfBinaries(index, new Set([name]))).get(name) ?? [];
}

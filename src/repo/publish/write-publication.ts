// Writes one suite of the repository (indices, Release, signatures) so that a client
// fetching during a publication sees either the old state or the new one, never a mix; what no
// Release references any more is removed after a grace period by gc/collect-garbage.ts.
//
// Order of a publication:
//   1. every index file (Packages, Sources, their .gz/.xz, per-component Release) goes to
//      by-hash/SHA256/<sha256> next to it: new names only, so nothing a client can see changes;
//   2. the plain-named index files (for clients without by-hash) become second names of
//      those by-hash files, each switched in with one rename;
//   3. Release, Release.gpg, InRelease are written to temporary files, all three fsynced,
//      and only then renamed into place, InRelease last.
// A client that read the old InRelease keeps fetching the old by-hash files, which stay until
// collectGarbage removes them after the grace period; one that reads the new InRelease only
// asks for by-hash files written in step 1. Every write is temp file + fsync + rename, and
// directories are fsynced after renames, so a crash leaves the old or the new file, whole.
// The caller serialises publications and garbage collection of one repository (the
// Postgres advisory lock); two concurrent writers would not corrupt files, but the last
// Release to be renamed would win.
import { link, lstat, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { fsyncPath, stageFile, tempPathFor, writeFileAtomic } from '../../atomic-write.ts';
import { mapLimited } from '../../map-limited.ts';
import { hashBytes } from '../../stream-hash.ts';
import { getField, parseDeb822 } from '../../debian/deb822.ts';
import { runXz } from './chunked-compression.ts';
import { buildPackagesFile, buildSourcesFile } from './packages-index.ts';
import { assertArchitecture, assertComponent, assertSuite } from '../pool/pool-path.ts';
import { buildComponentRelease, buildReleaseFile, type IndexFile } from './release-file.ts';
import type { RepoSigner } from './repo-signer.ts';

const gzip = promisify(gzipCallback);

export interface PublicationInput extends SuiteIdentity {
  /** Stored Packages stanzas (formatPackagesStanza), in any order. */
  packagesStanzas: string[];
  /** Stored Sources stanzas (formatSourcesStanza), in any order. */
  sourcesStanzas: string[];
  /** Milliseconds the Release stays valid (Valid-Until); none when absent. */
  validFor?: number;
  /** The Release Date; defaults to now. */
  now?: Date;
}

export interface PublicationResult {
  /** `dists/<suite>`, relative to the repository directory. */
  suiteDir: string;
  date: Date;
  validUntil?: Date;
  /** Every index file the new Release lists, paths relative to suiteDir. */
  files: IndexFile[];
  release: { size: number; sha256: string };
  /** by-hash files this publication created (repository-relative); others already existed. */
  byHashCreated: string[];
  /** Number of stanzas in each binary-<arch>/Packages. */
  packagesCount: Record<string, number>;
  sourcesCount: number;
}

/** Gives `existing` the name `path` too, replacing whatever `path` was, atomically. */
async function linkAtomic(existing: string, path: string): Promise<void> {
  const [from, to] = await Promise.all([stat(existing), stat(path).catch(() => undefined)]);
  if (to && to.dev === from.dev && to.ino === from.ino) return; // already that file
  const tmp = tempPathFor(path);
  await link(existing, tmp);
  try {
    await rename(tmp, path);
  } finally {
    // rename() between two names of one inode does nothing and leaves the temporary name.
    await unlink(tmp).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

interface IndexContent {
  /** Relative to the suite directory, e.g. main/binary-<arch>/Packages.xz. */
  path: string;
  data: Buffer;
  entry: IndexFile;
}

/** An index file's bytes with the entry the Release lists for it. */
function withChecksums(path: string, data: Buffer): IndexContent {
  return { path, data, entry: { path, ...hashBytes(data, ['md5', 'sha256']) } };
}

async function indexWithCompressions(dir: string, name: string, text: string): Promise<PreparedIndexFile[]> {
  const plain = Buffer.from(text, 'utf8');
  // xz single-threaded: equal input gives equal bytes, so an unchanged index keeps its by-hash name.
  const [gz, xz] = await Promise.all([gzip(plain, { level: 9 }), runXz(['-6'], plain)]);
  return [
    { path: `${dir}/${name}`, data: plain },
    { path: `${dir}/${name}.gz`, data: gz },
    { path: `${dir}/${name}.xz`, data: xz },
  ];
}

function byHashPath(suiteDir: string, file: IndexContent): string {
  return join(suiteDir, dirname(file.path), 'by-hash', 'SHA256', file.entry.sha256);
}

/** What a Release says about its suite, besides the index files. */
export interface SuiteIdentity {
  suite: string;
  codename: string;
  component: string;
  /** Binary architectures of the suite; a stanza with Architecture: all goes to each of them. */
  architectures: string[];
  origin: string;
  label: string;
  description?: string;
}

export interface PreparedIndexFile {
  /** Relative to the suite directory, e.g. main/binary-<arch>/Packages.gz. */
  path: string;
  data: Buffer;
}

export interface PreparedPublication extends SuiteIdentity {
  /** Packages and Sources files with their compressed forms; the component Release files are added here. */
  indexFiles: PreparedIndexFile[];
  packagesCount: Record<string, number>;
  sourcesCount: number;
  validFor?: number;
  now?: Date;
}

function checkIdentity(input: SuiteIdentity): void {
  assertSuite(input.suite);
  assertSuite(input.codename, 'codename');
  assertComponent(input.component);
  if (input.architectures.length === 0) throw new Error('a suite needs at least one architecture');
  if (new Set(input.architectures).size !== input.architectures.length) throw new Error('architectures are listed twice');
  input.architectures.forEach(assertArchitecture);
}

/** Splits stored Packages stanzas by the binary-<arch> index they belong in. */
export function routeStanzas(stanzas: string[], architectures: string[]): Map<string, string[]> {
  const byArch = new Map(architectures.map((arch) => [arch, [] as string[]]));
  for (const stanza of stanzas) {
    const [paragraph] = parseDeb822(stanza);
    const arch = paragraph ? getField(paragraph, 'Architecture') : undefined;
    if (arch === 'all') {
      for (const list of byArch.values()) list.push(stanza);
      continue;
    }
    const list = arch === undefined ? undefined : byArch.get(arch);
    if (!list) throw new Error(`a Packages stanza has Architecture ${JSON.stringify(arch)}, which the suite does not publish`);
    list.push(stanza);
  }
  return byArch;
}

/** Publishes one suite into `repoDir/dists/<suite>/`, building every index from the stanzas. */
export async function writePublication(
  repoDir: string,
  input: PublicationInput,
  signer: Pick<RepoSigner, 'signClear' | 'signDetached'>,
): Promise<PublicationResult> {
  checkIdentity(input);
  // Build every index in memory first: nothing touches the disk if a stanza is bad.
  const indexFiles: PreparedIndexFile[] = [];
  const packagesCount: Record<string, number> = {};
  for (const [arch, stanzas] of routeStanzas(input.packagesStanzas, input.architectures)) {
    packagesCount[arch] = stanzas.length;
    indexFiles.push(...(await indexWithCompressions(`${input.component}/binary-${arch}`, 'Packages', buildPackagesFile(stanzas))));
  }
  indexFiles.push(...(await indexWithCompressions(`${input.component}/source`, 'Sources', buildSourcesFile(input.sourcesStanzas))));
  const { packagesStanzas: _p, sourcesStanzas: _s, ...rest } = input;
  return writePreparedPublication(repoDir, { ...rest, indexFiles, packagesCount, sourcesCount: input.sourcesStanzas.length }, signer);
}

/**
 * Publishes one suite from index files built by the caller (see the order at the top of this
 * file). The per-component Release files are made here.
 */
export async function writePreparedPublication(
  repoDir: string,
  input: PreparedPublication,
  signer: Pick<RepoSigner, 'signClear' | 'signDetached'>,
): Promise<PublicationResult> {
  checkIdentity(input);
  const date = input.now ?? new Date();
  const validUntil = input.validFor === undefined ? undefined : new Date(date.getTime() + input.validFor);
  const suiteRel = `dists/${input.suite}`;
  const suiteDir = join(repoDir, suiteRel);
  const common = { archive: input.suite, codename: input.codename, origin: input.origin, label: input.label, component: input.component };

  const files: IndexContent[] = input.indexFiles.map((f) => withChecksums(f.path, f.data));
  for (const arch of input.architectures) {
    files.push(
      withChecksums(`${input.component}/binary-${arch}/Release`, Buffer.from(buildComponentRelease({ ...common, architecture: arch }))),
    );
  }
  files.push(withChecksums(`${input.component}/source/Release`, Buffer.from(buildComponentRelease({ ...common, architecture: 'source' }))));

  const releaseOptions = {
    origin: input.origin,
    label: input.label,
    suite: input.suite,
    codename: input.codename,
    date,
    architectures: input.architectures,
    components: [input.component],
    files: files.map((f) => f.entry),
    ...(validUntil ? { validUntil } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  };
  const release = buildReleaseFile(releaseOptions);
  const [inRelease, releaseGpg] = await Promise.all([signer.signClear(release), signer.signDetached(release)]);

  // 1. by-hash: content-addressed, so an existing file already holds exactly these bytes.
  // Written side by side, then synced together (one journal commit serves them all).
  const byHashCreated: string[] = [];
  const created: IndexContent[] = [];
  const touchedDirs = new Set<string>();
  await mapLimited(files, 8, async (file) => {
    const target = byHashPath(suiteDir, file);
    if (await exists(target)) return;
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, file.data);
    created.push(file);
    touchedDirs.add(dirname(target));
  });
  for (const file of files) {
    if (created.includes(file)) byHashCreated.push(join(suiteRel, dirname(file.path), 'by-hash', 'SHA256', file.entry.sha256));
  }
  await Promise.all([...touchedDirs].map(fsyncPath));

  // 2. plain-named indices, for clients that do not use by-hash: a second name for the
  // by-hash file (same inode, already synced), switched in with a rename.
  const plainDirs = new Set<string>();
  await mapLimited(files, 8, async (file) => {
    const target = join(suiteDir, file.path);
    await linkAtomic(byHashPath(suiteDir, file), target);
    plainDirs.add(dirname(target));
  });
  await Promise.all([...plainDirs].map(fsyncPath));

  // 3. the three Release files: staged and synced together, then renamed back to back so the
  // Release/Release.gpg pair is inconsistent for as short a time as possible; InRelease,
  // the only file modern apt reads, switches last, when everything it names is in place.
  const staged: [string, string][] = [];
  try {
    const names = [
      ['Release', release],
      ['Release.gpg', releaseGpg],
      ['InRelease', inRelease],
    ] as const;
    const temps = await Promise.all(names.map(([name, text]) => stageFile(join(suiteDir, name), text)));
    names.forEach(([name], i) => staged.push([temps[i]!, join(suiteDir, name)]));
    for (const [tmp, target] of staged) await rename(tmp, target);
  } catch (err) {
    await Promise.all(staged.map(([tmp]) => unlink(tmp).catch(() => undefined)));
    throw err;
  }
  await fsyncPath(suiteDir);

  const releaseBytes = Buffer.from(release, 'utf8');
  return {
    suiteDir: suiteRel,
    date,
    ...(validUntil ? { validUntil } : {}),
    files: files.map((f) => f.entry),
    release: hashBytes(releaseBytes, ['sha256']),
    byHashCreated,
    packagesCount: input.packagesCount,
    sourcesCount: input.sourcesCount,
  };
}

// What of the stubdom repository an attempt gets, handed in through the engine's API rather
// than mounted, so a build on a remote engine sees what a local one sees: the signed InRelease
// and the architecture's Packages index as apt clients see them now, and the .debs its
// build-dependencies can resolve to — every package the relations (and, in turn, those
// packages' Depends) name or that provides such a name, whichever alternative apt chooses.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryFile } from '../builders/builder.ts';
import type { Db } from '../db/in-transaction.ts';
import type { ArchTable } from '../debian/architecture.ts';
import { getField, parseDeb822, splitClearsigned, type Paragraph } from '../debian/deb822.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { parseRelations, reduceRelations, type Relation } from '../debian/relations.ts';
import { hashBytes } from '../stream-hash.ts';

/** A file handed in: from the service's disk (content-addressed, so it cannot change meanwhile), or bytes read when the hand-in was made. */
export type HandInFile = RepositoryFile;

export interface RepositoryHandIn {
  suite: string;
  /** The published generation these indexes show (recorded with the attempt). */
  generation: number | null;
  files: HandInFile[];
  /** The repository's public key (armored), for apt's signed-by. */
  keyFile: string;
}

export interface HandInRequest {
  /** The job's architecture and its build-dependency fields, as its .dsc says them. */
  arch: string;
  buildDepends: string;
  buildDependsArch: string;
  /** The build profiles the builder activates (the architecture profile's). */
  profiles: readonly string[];
  arches: ArchTable;
}

/** The relations a build for `arch` installs from the stubdom repository (its own architecture). */
function startingRelations(request: HandInRequest): Relation[] {
  let groups: Relation[][];
  try {
    groups = reduceRelations([...parseRelations(request.buildDepends), ...parseRelations(request.buildDependsArch)], {
      hostArch: request.arch,
      profiles: new Set(request.profiles),
      arches: request.arches,
    });
  } catch (error) {
    if (error instanceof DebianParseError) return []; // intake refuses these; nothing to hand in
    throw error;
  }
  return groups.flat();
}

/** Is a relation about a package of the host architecture (what our repository holds)? */
function aboutHost(relation: Relation, arch: string): boolean {
  const q = relation.archQualifier;
  return q === undefined || q === 'any' || q === arch;
}

/**
 * The closure of what `starting` can resolve to in `packages` (one Packages index's
 * paragraphs): by name and by Provides, then their Depends and Pre-Depends, every alternative.
 */
export function dependencyClosure(packages: readonly Paragraph[], starting: readonly Relation[], arch: string): Paragraph[] {
  const byName = new Map<string, Paragraph[]>();
  const add = (name: string, p: Paragraph) => byName.set(name, [...(byName.get(name) ?? []), p]);
  for (const p of packages) {
    const name = getField(p, 'Package');
    if (name) add(name.trim(), p);
    const provides = getField(p, 'Provides');
    if (provides) {
      try {
        for (const r of parseRelations(provides).flat()) add(r.name, p);
      } catch (error) {
        if (!(error instanceof DebianParseError)) throw error;
      }
    }
  }
  const chosen = new Set<Paragraph>();
  const seenNames = new Set<string>();
  const queue = starting.filter((r) => aboutHost(r, arch)).map((r) => r.name);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seenNames.has(name)) continue;
    seenNames.add(name);
    for (const p of byName.get(name) ?? []) {
      if (chosen.has(p)) continue;
      chosen.add(p);
      for (const field of ['Depends', 'Pre-Depends']) {
        const value = getField(p, field);
        if (!value) continue;
        try {
          for (const r of parseRelations(value).flat()) if (aboutHost(r, arch)) queue.push(r.name);
        } catch (error) {
          if (!(error instanceof DebianParseError)) throw error;
        }
      }
    }
  }
  return packages.filter((p) => chosen.has(p));
}

/** The published index of `arch` and the .debs a build with these relations may install. */
export async function prepareRepositoryHandIn(
  db: Db,
  repo: { dir: string; suite: string; component: string; keyFile: string },
  request: HandInRequest,
): Promise<RepositoryHandIn> {
  const suiteDir = `dists/${repo.suite}`;
  // The generation first: a publication writes its files before it records its generation,
  // so the one recorded is never newer than the indexes handed in (a newer one would keep a
  // dep-wait from being retried when the packages it lacked are published).
  const { generation } = await db
    .selectFrom('repo_suites')
    .select('published_generation as generation')
    .where('suite', '=', repo.suite)
    .executeTakeFirstOrThrow();
  const published = generation === null ? null : Number(generation);
  // InRelease as read now, not as it is when the files are copied: a publication meanwhile
  // would make it name indexes other than those handed in (apt: "Hash Sum mismatch").
  const inReleaseBytes = await readFile(path.join(repo.dir, suiteDir, 'InRelease'));
  const inRelease = inReleaseBytes.toString('utf8');
  const indexDir = `${repo.component}/binary-${request.arch}/`;
  // The architecture's index files as InRelease lists them, each by its hash (what that
  // signature covers, whatever was published since): Packages and its compressed forms, so
  // apt finds whichever it asks for first.
  const listed = splitClearsigned(inRelease)
    .body.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(
      (parts) => parts.length === 3 && /^[0-9a-f]{64}$/.test(parts[0]!) && parts[2]!.startsWith(indexDir) && !parts[2]!.includes('..'),
    );
  const files: HandInFile[] = [{ name: `${suiteDir}/InRelease`, content: inReleaseBytes }];
  let packagesText: string | undefined;
  for (const [hash, , name] of listed) {
    // The by-hash file is the one this InRelease signs and stays while it may be read; the
    // plain name, if by-hash is gone, only when it still holds those bytes.
    const byHash = path.join(repo.dir, suiteDir, path.dirname(name!), 'by-hash', 'SHA256', hash!);
    const bytes = await readFile(byHash).catch(() => readFile(path.join(repo.dir, suiteDir, name!)).catch(() => undefined));
    if (!bytes || hashBytes(bytes, ['sha256']).sha256 !== hash) continue;
    files.push({ name: `${suiteDir}/${name}`, content: bytes });
    if (name === `${indexDir}Packages`) packagesText = bytes.toString('utf8');
  }
  if (packagesText === undefined) return { suite: repo.suite, generation: published, files, keyFile: repo.keyFile };
  for (const p of dependencyClosure(parseDeb822(packagesText), startingRelations(request), request.arch)) {
    const filename = getField(p, 'Filename')?.trim();
    // Filename is ours (pool/…), written by the publisher; anything else is not handed in.
    if (filename && /^pool\/[A-Za-z0-9.+_~/-]+\.deb$/.test(filename) && !filename.includes('..')) {
      files.push({ name: filename, path: path.join(repo.dir, filename) });
    }
  }
  return { suite: repo.suite, generation: published, files, keyFile: repo.keyFile };
}

// What adding each package of a request does, decided against what the repository holds: added,
// replacing another build (force), already there, too old for the index, or refused as a
// conflict. Decided once before anything is written and again under the suite's lock.
import { compareVersions } from '../../debian/version.ts';
import { type EarlyPlacement } from '../pool/pool-changes.ts';
import { RepoError } from '../repo-error.ts';
import { type ExistingPackage, type ExistingSource, packageKey } from '../rows/existing-rows.ts';
import type { PreparedDeb } from './prepare-deb.ts';

/**
 * added: now in the index. replaced: in the index instead of a different build of the same
 * version (force). already-present: the repository already held exactly this file.
 * not-indexed: older than the newest `keepVersions` versions, so the index does not list it.
 */
export type AddOutcome = 'added' | 'replaced' | 'already-present' | 'not-indexed';

export interface DebCandidate extends PreparedDeb {
  path: string;
  /** What linking it into the pool right after inspection did. */
  placed: EarlyPlacement;
  outcome: AddOutcome;
  /** Ids of rows this one replaces (force). */
  replaces: number[];
  /** Another candidate of the same request with the same identity and bytes. */
  duplicateOf?: DebCandidate;
}

export interface SourceCandidate {
  name: string;
  version: string;
  directory: string;
  stanza: string;
  /** Pool path → file to put there, with its checksum. */
  files: { poolPath: string; path: string; sha256: string }[];
  outcome: AddOutcome;
  replaces: number[];
  duplicateOf?: SourceCandidate;
}

export const namesOf = (debs: DebCandidate[]) => [...new Set(debs.map((c) => c.info.package))];

/** Whether a candidate becomes (or replaces) a row, so its files go into the pool. */
export const becomesRow = (c: { outcome: AddOutcome; duplicateOf?: unknown }) =>
  !c.duplicateOf && (c.outcome === 'added' || c.outcome === 'replaced');

/**
 * What adding `version` to the rows of one (name, architecture) does: already there, a
 * conflict, replace (force), too old for the index, or add.
 */
function decide<R extends { id: number; version: string }>(
  what: string,
  version: string,
  same: (row: R) => boolean,
  rows: readonly R[],
  opts: { force: boolean; keepVersions: number },
): { outcome: AddOutcome; replaces: number[] } {
  const equal = rows.filter((r) => compareVersions(r.version, version) === 0);
  if (equal.length > 0) {
    if (equal.every(same)) return { outcome: 'already-present', replaces: [] };
    if (!opts.force) {
      throw new RepoError(
        'version-conflict',
        `${what} is already in the repository with different content; a published version cannot change (clients may hold the old one). Give the package a new version, or force the replacement`,
      );
    }
    return { outcome: 'replaced', replaces: equal.map((r) => r.id) };
  }
  const newer = rows.filter((r) => compareVersions(r.version, version) > 0).length;
  return { outcome: newer >= opts.keepVersions ? 'not-indexed' : 'added', replaces: [] };
}

/** Within one request, the same identity twice must be the same bytes (then it counts once). */
function dedupe<C extends { duplicateOf?: C }>(
  candidates: C[],
  identity: (c: C) => string,
  sameBytes: (a: C, b: C) => boolean,
  label: (c: C) => string,
): void {
  const seen = new Map<string, C>();
  for (const c of candidates) {
    const id = identity(c);
    const first = seen.get(id);
    if (!first) {
      seen.set(id, c);
      continue;
    }
    if (!sameBytes(first, c)) throw new RepoError('version-conflict', `${label(c)} is given twice with different content`);
    c.duplicateOf = first;
  }
}

/** Version keys compare by dpkg's order: "1.0-1" and "1.0-01" are the same version. */
function versionKey(name: string, arch: string, version: string, all: readonly { version: string }[]): string {
  const canonical = all.find((v) => compareVersions(v.version, version) === 0)?.version ?? version;
  return `${name}\0${arch}\0${canonical}`;
}

/** Marks the same package (or source) given twice in one request; refuses it with other bytes. */
export function dedupeRequest(debs: DebCandidate[], sources: SourceCandidate[]): void {
  const debVersions = new Map<string, { version: string }[]>();
  for (const c of debs) {
    const k = packageKey(c.info.package, c.info.architecture);
    debVersions.set(k, [...(debVersions.get(k) ?? []), { version: c.info.version }]);
  }
  dedupe(
    debs,
    (c) =>
      versionKey(
        c.info.package,
        c.info.architecture,
        c.info.version,
        debVersions.get(packageKey(c.info.package, c.info.architecture)) ?? [],
      ),
    (a, b) => a.info.sha256 === b.info.sha256,
    (c) => `${c.info.package} ${c.info.version} (${c.info.architecture})`,
  );
  dedupe(
    sources,
    (c) =>
      versionKey(
        c.name,
        '',
        c.version,
        sources.filter((s) => s.name === c.name),
      ),
    (a, b) => a.stanza === b.stanza,
    (c) => `source ${c.name} ${c.version}`,
  );
}

export /** Decides every candidate against the rows given; throws on the first conflict. */
function decideAll(
  debs: DebCandidate[],
  sources: SourceCandidate[],
  existingDebs: Map<string, ExistingPackage[]>,
  existingSources: Map<string, ExistingSource[]>,
  opts: { force: boolean; keepVersions: number },
): void {
  for (const c of debs) {
    if (c.duplicateOf) continue;
    const { package: name, version, architecture, sha256 } = c.info;
    const rows = existingDebs.get(packageKey(name, architecture)) ?? [];
    Object.assign(
      c,
      decide(`${name} ${version} (${architecture})`, version, (r) => r.sha256 === sha256, rows, opts),
    );
  }
  for (const c of sources) {
    if (c.duplicateOf) continue;
    const rows = existingSources.get(c.name) ?? [];
    Object.assign(
      c,
      decide(`source ${c.name} ${c.version}`, c.version, (r) => r.stanza === c.stanza, rows, opts),
    );
  }
}

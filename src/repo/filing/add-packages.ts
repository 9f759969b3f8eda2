// Adding packages to the repository: the one path by which the admin API (seeding) and the
// build pipeline (published jobs) add what apt clients see. addPackages verifies every .deb (and
// .dsc), puts the files in the pool and records one row per package; nothing is published yet
// (publish/publish-repository.ts publishes, and publishPackages does both).
//
// A refused input changes nothing. Each .deb is linked into the pool as soon as it has been
// inspected, but no row (so no index) names it before the request commits, and a refused
// request takes its files back (pool/pool-changes.ts says how that stays safe next to concurrent
// requests). Conflicts with what the repository holds are found before any row is written,
// and once more, under the suite's row lock, in the transaction that writes them.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { mapLimited } from '../../map-limited.ts';
import { hashFile } from '../../stream-hash.ts';
import { inTransaction, type Db } from '../../db/in-transaction.ts';
import { parseDeb822, splitClearsigned } from '../../debian/deb822.ts';
import { parseDsc } from '../../debian/dsc.ts';
import { checkUploadFileName } from '../../debian/file-name.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { compareVersions } from '../../debian/version.ts';
import { PrepareFailure } from './filing-threads.ts';
import { formatSourcesStanza } from '../publish/packages-index.ts';
import { poolDirectory } from '../pool/pool-path.ts';
import { insertPackageRows } from '../rows/package-rows.ts';
import { PoolChanges, type EarlyPlacement } from '../pool/pool-changes.ts';
import { prepareDeb, type PrepareDebOptions, type PreparedDeb } from './prepare-deb.ts';
import { type BuildClaim, builtBinaryOf, refuseForeignBinaries } from './build-ownership.ts';
import { addToPool } from '../pool/pool-store.ts';
import { RepoError } from '../repo-error.ts';
import type { Repository } from '../repository.ts';

export interface SourceInput {
  /** The .dsc: its name in the pool and where the file is now. */
  dsc: { name: string; path: string };
  /** Every file the .dsc lists, by the name it lists. */
  files: { name: string; path: string }[];
}

export interface AddPackagesInput {
  debs: { path: string }[];
  sources?: SourceInput[];
  /** The build job the packages come from, if any. */
  jobId?: number | null;
  /** Replace a package already in the repository under the same name and version. */
  force?: boolean;
  /** A build's packages: published only when each is the job's own (build-ownership.ts). */
  claim?: BuildClaim;
}

/**
 * added: now in the index. replaced: in the index instead of a different build of the same
 * version (force). already-present: the repository already held exactly this file.
 * not-indexed: older than the newest `keepVersions` versions, so the index does not list it.
 */
export type AddOutcome = 'added' | 'replaced' | 'already-present' | 'not-indexed';

export interface AddedPackage {
  name: string;
  version: string;
  architecture: string;
  source: string;
  sourceVersion: string;
  filename: string;
  size: number;
  sha256: string;
  outcome: AddOutcome;
}

export interface AddedSource {
  name: string;
  version: string;
  directory: string;
  outcome: AddOutcome;
}

export interface AddPackagesResult {
  packages: AddedPackage[];
  sources: AddedSource[];
  /** The contents generation that holds these packages; publish at least this one. */
  generation: number;
}

const MAX_CONTROL_BYTES = 1024 * 1024;
const MAX_DSC_BYTES = 1024 * 1024;
const INSPECT_CONCURRENCY = 8;
// Up to this many packages are prepared and linked in place; more go to the filing threads.
const FILE_IN_PLACE_UP_TO = 32;
const POOL_CONCURRENCY = 16;

/** A function that yields to the event loop when more than `sliceMs` passed since it last did. */
function yielder(sliceMs = 10): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

/** "package 2 of 3: …" when there are several, so the refusal says which one. */
function labelled(err: unknown, what: string, index: number, count: number): unknown {
  if (!(err instanceof RepoError) || count < 2) return err;
  return new RepoError(err.code, `${what} ${index + 1} of ${count}: ${err.message}`, { cause: err });
}

interface ExistingPackage {
  id: number;
  name: string;
  version: string;
  architecture: string;
  sha256: string;
}

interface DebCandidate extends PreparedDeb {
  path: string;
  /** What linking it into the pool right after inspection did. */
  placed: EarlyPlacement;
  outcome: AddOutcome;
  /** Ids of rows this one replaces (force). */
  replaces: number[];
  /** Another candidate of the same request with the same identity and bytes. */
  duplicateOf?: DebCandidate;
}

interface ExistingSource {
  id: number;
  name: string;
  version: string;
  stanza: string;
}

interface SourceCandidate {
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

const key = (name: string, arch: string) => `${name}\0${arch}`;
const namesOf = (debs: DebCandidate[]) => [...new Set(debs.map((c) => c.info.package))];

/** Whether a candidate's files go into the pool (it becomes, or replaces, a row). */
const needsFile = (c: { outcome: AddOutcome; duplicateOf?: unknown }) => !c.duplicateOf && (c.outcome === 'added' || c.outcome === 'replaced');

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

async function loadExistingPackages(db: Db, suite: string, names: string[]): Promise<Map<string, ExistingPackage[]>> {
  const byKey = new Map<string, ExistingPackage[]>();
  if (names.length === 0) return byKey;
  // One array parameter, however many names: one round trip.
  const rows = await db
    .selectFrom('repo_packages')
    .select(['id', 'name', 'version', 'architecture', 'sha256'])
    .where('suite', '=', suite)
    .where(sql<boolean>`name = any(${names}::text[])`)
    .execute();
  for (const r of rows) {
    const k = key(r.name, r.architecture);
    const list = byKey.get(k) ?? [];
    list.push({ ...r, id: Number(r.id) });
    byKey.set(k, list);
  }
  return byKey;
}

async function loadExistingSources(db: Db, suite: string, names: string[]): Promise<Map<string, ExistingSource[]>> {
  const byName = new Map<string, ExistingSource[]>();
  if (names.length === 0) return byName;
  const rows = await db.selectFrom('repo_sources').select(['id', 'name', 'version', 'stanza']).where('suite', '=', suite).where('name', 'in', names).execute();
  for (const r of rows) {
    const list = byName.get(r.name) ?? [];
    list.push({ ...r, id: Number(r.id) });
    byName.set(r.name, list);
  }
  return byName;
}

/** Within one request, the same identity twice must be the same bytes (then it counts once). */
function dedupe<C extends { duplicateOf?: C }>(candidates: C[], identity: (c: C) => string, sameBytes: (a: C, b: C) => boolean, describe: (c: C) => string): void {
  const seen = new Map<string, C>();
  for (const c of candidates) {
    const id = identity(c);
    const first = seen.get(id);
    if (!first) {
      seen.set(id, c);
      continue;
    }
    if (!sameBytes(first, c)) throw new RepoError('version-conflict', `${describe(c)} is given twice with different content`);
    c.duplicateOf = first;
  }
}

/** Version keys compare by dpkg's order: "1.0-1" and "1.0-01" are the same version. */
function versionKey(name: string, arch: string, version: string, all: readonly { version: string }[]): string {
  const canonical = all.find((v) => compareVersions(v.version, version) === 0)?.version ?? version;
  return `${name}\0${arch}\0${canonical}`;
}

/** Inspects every .deb (on the filing threads when there are many) and links each into the pool. */
async function inspectDebs(repo: Repository, debs: AddPackagesInput['debs'], changes: PoolChanges): Promise<DebCandidate[]> {
  const { architectures, component, maxUnpackedBytes } = repo.settings;
  const options: PrepareDebOptions = {
    component,
    allowedArchitectures: [...architectures, 'all'],
    maxControlBytes: MAX_CONTROL_BYTES,
    maxUncompressedBytes: maxUnpackedBytes,
  };
  const paths = debs.map((d) => d.path);
  const placed: EarlyPlacement[] = new Array(paths.length);
  const place = (p: PreparedDeb, i: number) => {
    placed[i] = changes.link(paths[i]!, p.poolPath, p.info.file);
  };
  let prepared: PreparedDeb[];
  if (paths.length > FILE_IN_PLACE_UP_TO) {
    try {
      prepared = await repo.filing.prepareAll(paths, options, place);
    } catch (err) {
      throw err instanceof PrepareFailure ? labelled(err.error, 'package', err.index, paths.length) : err;
    }
  } else {
    const yieldNow = yielder();
    prepared = await mapLimited(paths, INSPECT_CONCURRENCY, async (path, i) => {
      try {
        // Small packages are inspected without leaving this thread; let requests through now and then.
        await yieldNow();
        const p = await prepareDeb(path, options);
        place(p, i);
        return p;
      } catch (err) {
        throw labelled(err, 'package', i, paths.length);
      }
    });
  }
  return prepared.map((p, i) => ({ path: paths[i]!, ...p, placed: placed[i]!, outcome: 'added' as AddOutcome, replaces: [] }));
}

async function inspectSource(repo: Repository, input: SourceInput): Promise<SourceCandidate> {
  const info = await stat(input.dsc.path);
  if (info.size > MAX_DSC_BYTES) throw new RepoError('too-large', `the .dsc is ${info.size} bytes, more than ${MAX_DSC_BYTES}`);
  const text = await readFile(input.dsc.path, 'utf8');
  let dsc;
  let paragraph;
  try {
    dsc = parseDsc(text);
    paragraph = parseDeb822(splitClearsigned(text).body)[0]!;
  } catch (err) {
    if (err instanceof DebianParseError) throw new RepoError('bad-dsc', `the .dsc is not valid: ${err.message}`, { cause: err });
    throw err;
  }
  const unsafe = checkUploadFileName(input.dsc.name);
  if (unsafe !== undefined || !input.dsc.name.endsWith('.dsc')) {
    throw new RepoError('bad-name', `${JSON.stringify(input.dsc.name)} cannot name a .dsc in the pool${unsafe ? `: ${unsafe}` : ''}`);
  }
  const directory = poolDirectory(repo.settings.component, dsc.source).replace(/\/$/, '');
  const dscSums = await hashFile(input.dsc.path, ['sha256', 'md5']);
  const files = [{ poolPath: `${directory}/${input.dsc.name}`, path: input.dsc.path, sha256: dscSums.sha256 }];
  const given = new Map(input.files.map((f) => [f.name, f.path]));
  for (const listed of dsc.files) {
    const path = given.get(listed.name);
    if (path === undefined) throw new RepoError('bad-dsc', `the .dsc lists ${listed.name}, which was not given`);
    const sums = await hashFile(path, ['sha256']);
    if (sums.sha256 !== listed.sha256 || sums.size !== listed.size) {
      throw new RepoError('bad-dsc', `${listed.name} does not match the .dsc (SHA-256 ${sums.sha256}, ${sums.size} bytes; the .dsc says ${listed.sha256}, ${listed.size} bytes)`);
    }
    files.push({ poolPath: `${directory}/${listed.name}`, path, sha256: sums.sha256 });
  }
  const stanza = formatSourcesStanza(paragraph, {
    directory,
    dscFile: { name: input.dsc.name, size: dscSums.size, sha256: dscSums.sha256, md5: dscSums.md5 },
  });
  return { name: dsc.source, version: dsc.version, directory, stanza, files, outcome: 'added', replaces: [] };
}

/** Decides every candidate against the rows given; throws on the first conflict. */
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
    const rows = existingDebs.get(key(name, architecture)) ?? [];
    Object.assign(c, decide(`${name} ${version} (${architecture})`, version, (r) => r.sha256 === sha256, rows, opts));
  }
  for (const c of sources) {
    if (c.duplicateOf) continue;
    const rows = existingSources.get(c.name) ?? [];
    Object.assign(c, decide(`source ${c.name} ${c.version}`, c.version, (r) => r.stanza === c.stanza, rows, opts));
  }
}

/**
 * Finishes what linking a package into the pool right after inspection left open: a file
 * that was there already is compared (the same bytes are relied on, different ones refused
 * unless forced), a source that may have changed is hashed, one that could not be linked
 * is copied.
 */
async function settleDeb(repoDir: string, c: DebCandidate, force: boolean, changes: PoolChanges): Promise<void> {
  const { poolPath, path, info } = c;
  if (c.placed === 'verify') {
    const { sha256 } = await hashFile(join(repoDir, poolPath), ['sha256']);
    if (sha256 !== info.sha256) throw new Error(`${path} changed since it was inspected (SHA-256 ${sha256}, expected ${info.sha256})`);
    return;
  }
  if (c.placed === 'existing') {
    const found = await changes.relyOnIfSame(poolPath, info.sha256);
    if (found?.same) return;
    if (found && !force) {
      throw new RepoError(
        'pool-conflict',
        `${poolPath} already exists with different content (SHA-256 ${found.sha256}, new ${info.sha256}); it belongs to an earlier build of the same version that clients may still fetch, or to another request adding it right now`,
      );
    }
  }
  const added = await addToPool(repoDir, path, poolPath, { expectedSha256: info.sha256, force });
  if (added.action === 'added') changes.adopt(poolPath);
  else if (added.action === 'already-present' && !(await changes.relyOnIfSame(poolPath, info.sha256))?.same) {
    throw new Error(`${poolPath} changed while it was being added; send the packages again`);
  }
}

/**
 * Verifies and adds packages (and source packages) to the repository's contents. Does not
 * publish: call publishRepository with the returned generation (or use publishPackages).
 * Throws RepoError, having changed nothing, when any input is refused.
 */
export async function addPackages(db: Db, repo: Repository, input: AddPackagesInput): Promise<AddPackagesResult> {
  const changes = new PoolChanges(repo.settings.dir);
  try {
    return await fileAndRecord(db, repo, input, changes);
  } catch (err) {
    await changes.undo(db, repo.settings.suite);
    throw err;
  }
}

async function fileAndRecord(db: Db, repo: Repository, input: AddPackagesInput, changes: PoolChanges): Promise<AddPackagesResult> {
  const { suite, keepVersions, dir } = repo.settings;
  const force = input.force ?? false;
  const opts = { force, keepVersions };

  const started = performance.now();
  const debs = await inspectDebs(repo, input.debs, changes);
  const claim = input.claim;
  if (claim) await refuseForeignBinaries(db, suite, claim, debs.map((c) => builtBinaryOf(c.info)));
  const sourceInputs = input.sources ?? [];
  const sources = await mapLimited(sourceInputs, 4, async (s, i) => {
    try {
      const candidate = await inspectSource(repo, s);
      changes.makeDirectory(candidate.directory);
      return candidate;
    } catch (err) {
      throw labelled(err, 'source package', i, sourceInputs.length);
    }
  });
  const debVersions = new Map<string, { version: string }[]>();
  for (const c of debs) {
    const k = key(c.info.package, c.info.architecture);
    debVersions.set(k, [...(debVersions.get(k) ?? []), { version: c.info.version }]);
  }
  dedupe(
    debs,
    (c) => versionKey(c.info.package, c.info.architecture, c.info.version, debVersions.get(key(c.info.package, c.info.architecture)) ?? []),
    (a, b) => a.info.sha256 === b.info.sha256,
    (c) => `${c.info.package} ${c.info.version} (${c.info.architecture})`,
  );
  dedupe(
    sources,
    (c) => versionKey(c.name, '', c.version, sources.filter((s) => s.name === c.name)),
    (a, b) => a.stanza === b.stanza,
    (c) => `source ${c.name} ${c.version}`,
  );
  // Refuse conflicts before writing anything; the transaction below decides again, under
  // the suite's row lock, in case another request got there first.
  decideAll(debs, sources, await loadExistingPackages(db, suite, namesOf(debs)), await loadExistingSources(db, suite, [...new Set(sources.map((c) => c.name))]), opts);
  const debNames = namesOf(debs);
  const sourceNames = [...new Set(sources.map((c) => c.name))];
  const inspected = performance.now();
  const settled = new Set([...debs.filter(needsFile).map((c) => c.poolPath), ...sources.filter(needsFile).flatMap((c) => c.files.map((f) => f.poolPath))]);
  let filed = inspected;

  // What early linking left open, and the source packages' files, are settled while the
  // transaction below records the rows; it commits only once every file is in place and
  // durable, so no row (and no publication) ever names a pool file that is not there.
  const placement = (async () => {
    await mapLimited(
      // `force` as decided now: the transaction may decide again meanwhile.
      debs.filter((c) => needsFile(c) && c.placed !== 'created').map((c) => ({ c, force: c.outcome === 'replaced' })),
      POOL_CONCURRENCY,
      ({ c, force }) => settleDeb(dir, c, force, changes),
    );
    await mapLimited(
      sources.filter(needsFile).flatMap((c) => c.files.map((f) => ({ ...f, force: c.outcome === 'replaced' }))),
      POOL_CONCURRENCY,
      async (f) => {
        const placed = await addToPool(dir, f.path, f.poolPath, { expectedSha256: f.sha256, force: f.force });
        if (placed.action === 'added') changes.adopt(f.poolPath);
      },
    );
    await changes.makeDurable();
    filed = performance.now();
  })();
  // Observed by the transaction, and awaited below whatever the transaction does.
  placement.catch(() => undefined);

  const recording = inTransaction(db, async (trx) => {
    const locked = await trx.selectFrom('repo_suites').select('generation').where('suite', '=', suite).forUpdate().executeTakeFirstOrThrow();
    const existingDebs = await loadExistingPackages(trx, suite, debNames);
    const existingSources = await loadExistingSources(trx, suite, sourceNames);
    decideAll(debs, sources, existingDebs, existingSources, opts);
    // Again under the lock: another source may have published one of these names meanwhile.
    if (claim) await refuseForeignBinaries(trx, suite, claim, debs.map((c) => builtBinaryOf(c.info)));
    const unplaced = [...debs.filter((c) => needsFile(c) && !settled.has(c.poolPath)), ...sources.filter((c) => needsFile(c) && c.files.some((f) => !settled.has(f.poolPath)))];
    if (unplaced.length > 0) {
      // Another request removed a package between our two looks; the files we skipped are needed after all.
      throw new Error('the repository changed while the packages were being added; send them again');
    }
    const next = Number(locked.generation) + 1;
    const removeDebs = new Set<number>();
    const removeSources = new Set<number>();
    const jobId = input.jobId ?? null;

    // Rows to insert, then the newest keepVersions per (name, architecture) stay.
    const insertDebs = debs.filter((c) => !c.duplicateOf && (c.outcome === 'added' || c.outcome === 'replaced'));
    for (const c of insertDebs) c.replaces.forEach((id) => removeDebs.add(id));
    const newestDebs = new Map<string, { version: string; id?: number; candidate?: DebCandidate }[]>();
    for (const [k, rows] of existingDebs) newestDebs.set(k, rows.filter((r) => !removeDebs.has(r.id)).map((r) => ({ version: r.version, id: r.id })));
    for (const c of insertDebs) {
      const k = key(c.info.package, c.info.architecture);
      newestDebs.set(k, [...(newestDebs.get(k) ?? []), { version: c.info.version, candidate: c }]);
    }
    for (const versions of newestDebs.values()) {
      versions.sort((a, b) => compareVersions(b.version, a.version));
      for (const dropped of versions.slice(keepVersions)) {
        if (dropped.id !== undefined) removeDebs.add(dropped.id);
        if (dropped.candidate) dropped.candidate.outcome = 'not-indexed';
      }
    }

    const insertSources = sources.filter((c) => !c.duplicateOf && (c.outcome === 'added' || c.outcome === 'replaced'));
    for (const c of insertSources) c.replaces.forEach((id) => removeSources.add(id));
    const newestSources = new Map<string, { version: string; id?: number; candidate?: SourceCandidate }[]>();
    for (const [name, rows] of existingSources) newestSources.set(name, rows.filter((r) => !removeSources.has(r.id)).map((r) => ({ version: r.version, id: r.id })));
    for (const c of insertSources) newestSources.set(c.name, [...(newestSources.get(c.name) ?? []), { version: c.version, candidate: c }]);
    for (const versions of newestSources.values()) {
      versions.sort((a, b) => compareVersions(b.version, a.version));
      for (const dropped of versions.slice(keepVersions)) {
        if (dropped.id !== undefined) removeSources.add(dropped.id);
        if (dropped.candidate) dropped.candidate.outcome = 'not-indexed';
      }
    }

    const debRows = insertDebs.filter((c) => c.outcome !== 'not-indexed');
    const sourceRows = insertSources
      .filter((c) => c.outcome !== 'not-indexed')
      .map((c) => ({
        suite,
        name: c.name,
        version: c.version,
        directory: c.directory,
        pool_paths: c.files.map((f) => f.poolPath),
        stanza: c.stanza,
        job_id: jobId,
        generation: next,
      }));
    const unchanged = debRows.length + sourceRows.length + removeDebs.size + removeSources.size === 0;
    if (!unchanged) {
      const removeDebIds = [...removeDebs];
      if (removeDebIds.length > 0) await trx.deleteFrom('repo_packages').where(sql<boolean>`id = any(${removeDebIds}::bigint[])`).execute();
      if (removeSources.size > 0) await trx.deleteFrom('repo_sources').where('id', 'in', [...removeSources]).execute();
      await insertPackageRows(
        trx,
        { suite, jobId, generation: next },
        debRows.map(({ info, poolPath, stanza }) => ({
          name: info.package,
          version: info.version,
          architecture: info.architecture,
          source: info.source,
          sourceVersion: info.sourceVersion,
          poolPath,
          size: info.size,
          sha256: info.sha256,
          md5: info.md5,
          stanza,
        })),
      );
      if (sourceRows.length > 0) await trx.insertInto('repo_sources').values(sourceRows).execute();
    }
    await placement;
    // Files this request linked that none of its rows names (older than the versions kept,
    // or in the repository already) go now; files it found in place must still be there.
    const named = new Map(debRows.map((c) => [c.poolPath, { source: c.path, sha256: c.info.sha256 }]));
    await changes.removeUnreferenced(trx, debs.map((c) => c.poolPath).filter((p) => !named.has(p)));
    await changes.checkReliedOn(named);
    if (unchanged) return Number(locked.generation);
    await trx.updateTable('repo_suites').set({ generation: next }).where('suite', '=', suite).execute();
    return next;
  });
  let generation: number;
  try {
    generation = await recording;
  } finally {
    // Never leave the filing running on its own (a refusal in the transaction settles first).
    await placement.catch(() => undefined);
  }
  changes.keep();

  const outcomeOf = <C extends { outcome: AddOutcome; duplicateOf?: C }>(c: C): AddOutcome => (c.duplicateOf ?? c).outcome;
  const counts: Partial<Record<AddOutcome, number>> = {};
  for (const c of [...debs, ...sources]) counts[outcomeOf(c)] = (counts[outcomeOf(c)] ?? 0) + 1;
  repo.log?.info(
    {
      generation,
      packages: debs.length,
      sources: sources.length,
      outcomes: counts,
      jobId: input.jobId ?? null,
      inspectMs: Math.round(inspected - started),
      poolMs: Math.round(filed - inspected),
      recordMs: Math.round(performance.now() - filed),
    },
    'added packages to the repository',
  );
  return {
    packages: debs.map((c) => ({
      name: c.info.package,
      version: c.info.version,
      architecture: c.info.architecture,
      source: c.info.source,
      sourceVersion: c.info.sourceVersion,
      filename: c.poolPath,
      size: c.info.size,
      sha256: c.info.sha256,
      outcome: outcomeOf(c),
    })),
    sources: sources.map((c) => ({ name: c.name, version: c.version, directory: c.directory, outcome: outcomeOf(c) })),
    generation,
  };
}

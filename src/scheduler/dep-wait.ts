// Dep-wait that ends by itself: the relations apt could not satisfy (stored on the job when it
// went to dep-wait, or when a batch member was created waiting for another member) are
// checked against the published packages of the stubdom repository after each publication,
// and a job whose relations are all satisfied goes back to `queued`. Nothing is retried while
// nothing changed: a job is requeued only when something was published after its last
// attempt began (apt had already seen everything older and refused).
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type {} from '../db/build-tables.ts';
import type {} from '../db/repo-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { getField, parseDeb822 } from '../debian/deb822.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { parseRelations, type Relation } from '../debian/relations.ts';
import { versionSatisfies } from '../debian/version.ts';
import { DomainError } from '../domain-error.ts';
import { transitionJob } from '../jobs/transition-job.ts';

/** What the matcher needs to know of one binary package in the repository. */
export interface RepoPackageFacts {
  name: string;
  version: string;
  architecture: string;
  multiArch: string | null;
  /** `Provides:`, one relation per provided name (only `=` versions mean anything there). */
  provides: Relation[];
  jobId: number | null;
}

/** The builder images are Debian amd64 systems cross-building: `:native` means this. */
export const BUILD_ARCH = 'amd64';

export interface MatchOptions {
  /** The architecture built for (the job's): unqualified build-dependencies mean it. */
  hostArch: string;
  /** The architecture the builder runs on (amd64): what `:native` means. */
  buildArch: string;
}

export interface Satisfaction {
  relation: string;
  by: RepoPackageFacts;
  /** The virtual name, when `by` satisfies the relation through Provides. */
  via?: string;
}

export interface RelationCheck {
  satisfied: Satisfaction[];
  /** Relations no published package satisfies, as stored. */
  unmet: string[];
}

/**
 * Whether a package of `pkg`'s architecture and Multi-Arch can stand for a relation with this
 * qualifier, in a cross build for `hostArch` (as apt build-dep -a resolves it): unqualified
 * means the host architecture (or any, for Architecture: all and Multi-Arch: foreign);
 * `:any` needs Multi-Arch: allowed; `:native` the build architecture; any other qualifier
 * that exact architecture.
 */
function archFits(qualifier: string | undefined, pkg: RepoPackageFacts, options: MatchOptions): boolean {
  switch (qualifier) {
    case undefined:
      return pkg.architecture === options.hostArch || pkg.architecture === 'all' || pkg.multiArch === 'foreign';
    case 'any':
      return pkg.multiArch === 'allowed';
    case 'native':
      return pkg.architecture === options.buildArch || pkg.architecture === 'all';
    default:
      return pkg.architecture === qualifier;
  }
}

/** The package that satisfies one relation (no alternatives), if any; the newest first. */
export function findSatisfier(
  relation: Relation,
  packages: readonly RepoPackageFacts[],
  options: MatchOptions,
): { by: RepoPackageFacts; via?: string } | undefined {
  for (const pkg of packages) {
    if (!archFits(relation.archQualifier, pkg, options)) continue;
    if (pkg.name === relation.name) {
      if (!relation.version || versionSatisfies(pkg.version, relation.version.op, relation.version.version)) return { by: pkg };
      continue;
    }
    for (const provided of pkg.provides) {
      if (provided.name !== relation.name) continue;
      // An unversioned Provides satisfies only unversioned relations (deb-relationships).
      if (!relation.version) return { by: pkg, via: provided.name };
      if (provided.version?.op === '=' && versionSatisfies(provided.version.version, relation.version.op, relation.version.version)) {
        return { by: pkg, via: provided.name };
      }
    }
  }
  return undefined;
}

/**
 * Checks stored relations (each one AND-ed element, possibly `a | b` alternatives) against the
 * repository's packages. A relation that does not parse is unmet: nothing can satisfy what
 * cannot be read.
 */
export function checkRelations(relations: readonly string[], packages: readonly RepoPackageFacts[], options: MatchOptions): RelationCheck {
  const result: RelationCheck = { satisfied: [], unmet: [] };
  for (const text of relations) {
    let groups: Relation[][];
    try {
      groups = parseRelations(text);
    } catch (error) {
      if (!(error instanceof DebianParseError)) throw error;
      result.unmet.push(text);
      continue;
    }
    const found: Satisfaction[] = [];
    for (const group of groups) {
      const hit = group.map((alternative) => findSatisfier(alternative, packages, options)).find((h) => h !== undefined);
      if (!hit) break;
      found.push({ relation: text, ...hit });
    }
    if (groups.length > 0 && found.length === groups.length) result.satisfied.push(...found);
    else result.unmet.push(text);
  }
  return result;
}

/** Every package name a stored relation mentions (to load only those from the repository). */
export function relationNames(relations: readonly string[]): string[] {
  return [...new Set(parsedRelations(relations).map((r) => r.name))];
}

/** Every alternative of the relations that parse; one that does not is left out. */
export function parsedRelations(relations: readonly string[]): Relation[] {
  const parsed: Relation[] = [];
  for (const text of relations) {
    try {
      parsed.push(...parseRelations(text).flat());
    } catch (error) {
      if (!(error instanceof DebianParseError)) throw error;
    }
  }
  return parsed;
}

function parseStanzaFacts(stanza: string): Pick<RepoPackageFacts, 'multiArch' | 'provides'> {
  try {
    const paragraph = parseDeb822(stanza)[0];
    const provides = paragraph ? getField(paragraph, 'Provides') : undefined;
    return {
      multiArch: (paragraph && getField(paragraph, 'Multi-Arch')?.trim()) || null,
      provides: provides ? parseRelations(provides).flat() : [],
    };
  } catch (error) {
    if (!(error instanceof DebianParseError)) throw error;
    return { multiArch: null, provides: [] };
  }
}

/**
 * The packages of `suite` that apt clients can see now (in a finished publication) and that
 * are named `names` or provide something. Newest version first within a name.
 */
export async function loadPublishedPackages(db: Db, suite: string, names: readonly string[]): Promise<RepoPackageFacts[]> {
  const rows = await db
    .selectFrom('repo_packages as p')
    .innerJoin('repo_suites as s', 's.suite', 'p.suite')
    .select(['p.name', 'p.version', 'p.architecture', 'p.stanza', 'p.job_id'])
    .where('p.suite', '=', suite)
    .where(sql<boolean>`p.generation <= coalesce(s.published_generation, -1)`)
    .where((eb) => {
      const providing = sql<boolean>`p.stanza like ${'%\nProvides:%'}`;
      return names.length > 0 ? eb.or([eb('p.name', 'in', [...names]), providing]) : providing;
    })
    .orderBy('p.name')
    .orderBy('p.id', 'desc')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    architecture: r.architecture,
    jobId: r.job_id,
    ...parseStanzaFacts(r.stanza),
  }));
}

function describeSatisfaction(s: Satisfaction): string {
  const job = s.by.jobId === null ? '' : ` (job ${s.by.jobId})`;
  const via = s.via ? `, providing ${s.via}` : '';
  return `${s.by.name} ${s.by.version}${via}${job}`;
}

export interface DepWaitResolution {
  jobId: number;
  reason: string;
}

/**
 * Moves every `dep-wait` job (or those of `jobIds`) whose stored relations the published
 * repository now satisfies back to `queued`, with a reason naming the packages that satisfy
 * them. A job that already had an attempt is requeued only if its last attempt saw an older
 * repository: a published generation after the one handed in to it (or, for an attempt that
 * recorded none, something published after it began). Safe to run concurrently (a job moved
 * meanwhile is left alone).
 */
export async function resolveDepWaits(
  db: Db,
  options: Omit<MatchOptions, 'hostArch'> & { suite: string; jobIds?: readonly number[]; logger?: Pick<Logger, 'info' | 'warn'> },
): Promise<DepWaitResolution[]> {
  if (options.jobIds && options.jobIds.length === 0) return [];
  let query = db.selectFrom('jobs').select(['id', 'arch', 'unmet_relations']).where('state', '=', 'dep-wait').orderBy('id');
  if (options.jobIds) query = query.where('id', 'in', [...options.jobIds]);
  const waiting = await query.execute();
  if (waiting.length === 0) return [];

  const packages = await loadPublishedPackages(db, options.suite, relationNames(waiting.flatMap((j) => j.unmet_relations)));
  const { changed, published } = await db
    .selectFrom('repo_suites as s')
    .leftJoin('repo_packages as p', (join) =>
      join.onRef('p.suite', '=', 's.suite').on(sql<boolean>`p.generation <= coalesce(s.published_generation, -1)`),
    )
    .select([sql<Date | null>`max(p.added_at)`.as('changed'), sql<number | null>`max(s.published_generation)`.as('published')])
    .where('s.suite', '=', options.suite)
    .executeTakeFirstOrThrow();
  const attempts = await db
    .selectFrom('attempts')
    .select(['job_id', 'started_at', 'repository_generation'])
    .where(
      'job_id',
      'in',
      waiting.map((j) => j.id),
    )
    .orderBy('job_id')
    .orderBy('number')
    .execute();
  const lastAttempt = new Map(attempts.map((a) => [a.job_id, a]));
  // A package's rows are added before its publication is written and signed: an attempt that
  // began in between has a later start than the package yet an index without it, so the
  // generation it was handed decides, where it recorded one.
  const sawOlderRepository = (attempt: (typeof attempts)[number]): boolean =>
    attempt.repository_generation !== null
      ? published !== null && Number(published) > Number(attempt.repository_generation)
      : changed !== null && new Date(changed) > new Date(attempt.started_at);

  const resolved: DepWaitResolution[] = [];
  for (const job of waiting) {
    // Each job waits for packages of its own architecture.
    const check = checkRelations(job.unmet_relations, packages, { hostArch: job.arch, buildArch: options.buildArch });
    if (check.unmet.length > 0) continue;
    const attempt = lastAttempt.get(job.id);
    if (attempt && !sawOlderRepository(attempt)) continue;
    const named = [...new Set(check.satisfied.map(describeSatisfaction))];
    const reason =
      named.length > 0
        ? `build-dependencies published: ${named.join(', ')}`
        : 'the repository changed since the last attempt (no missing relation was recorded)';
    try {
      await inTransaction(db, async (trx) => {
        await transitionJob(trx, { jobId: job.id, to: 'queued', from: ['dep-wait'], actor: 'scheduler', reason });
        await trx.updateTable('jobs').set({ unmet_relations: [] }).where('id', '=', job.id).execute();
      });
    } catch (error) {
      // Cancelled, or requeued by another replica, since we read it.
      if (error instanceof DomainError && error.code === 'illegal-transition') continue;
      throw error;
    }
    options.logger?.info({ jobId: job.id, relations: job.unmet_relations, reason }, 'dep-wait job requeued');
    resolved.push({ jobId: job.id, reason });
  }
  return resolved;
}

/** For an explanation: each stored relation with what satisfies it now, or nothing. */
export async function describeRelations(
  db: Db,
  options: MatchOptions & { suite: string },
  relations: readonly string[],
): Promise<RelationCheck> {
  const packages = await loadPublishedPackages(db, options.suite, relationNames(relations));
  return checkRelations(relations, packages, options);
}

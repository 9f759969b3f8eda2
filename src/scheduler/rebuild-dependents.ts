// Rebuild on dependency change (OBS rebuild=direct): when a newer version of a package of our
// repository is published, the published sources that were built against an older version of
// it get a binNMU rebuild: a new job of the same source and files whose binaries are
// versioned `<version>+bN`. Only direct dependents: packages a binNMU publishes trigger no
// further rebuilds (that would be rebuild=transitive, and loops on mutual build-dependencies).
import type { Logger } from 'pino';
import type {} from '../db/dependency-tables.ts';
import type {} from '../db/repo-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { compareVersions } from '../debian/version.ts';
import { liveStates } from '../jobs/live-states.ts';
import { submitJob } from '../jobs/submit-job.ts';
import { effectiveVersion } from '../jobs/supersede-older.ts';

export interface PublishedBinary {
  name: string;
  version: string;
  architecture: string;
  source: string;
}

export interface QueuedRebuild {
  jobId: number;
  rebuildOf: number;
  binNmu: number;
  reason: string;
}

/**
 * Queues a binNMU of every source whose current build (the job whose packages the index
 * lists) was built against an older version of one of `published`, unless a build of that
 * source is already pending. Call it in the transaction that marks `published` as handled.
 */
export async function queueRebuilds(
  db: Db,
  published: readonly PublishedBinary[],
  options: { suite: string; rebuildArches: readonly string[]; logger?: Pick<Logger, 'info'> },
): Promise<QueuedRebuild[]> {
  if (published.length === 0) return [];
  const deps = await db
    .selectFrom('job_build_dependencies as d')
    .innerJoin('jobs as j', 'j.id', 'd.job_id')
    .select(['d.job_id', 'd.name', 'd.architecture', 'd.version', 'j.source', 'j.arch'])
    .where('d.name', 'in', [...new Set(published.map((p) => p.name))])
    .where('j.state', '=', 'published')
    .execute();

  // Per source and architecture: what makes its build out of date. An unqualified dependency
  // of a build is of the build's own architecture (or all): another architecture's newer
  // package does not make it stale.
  const stale = new Map<string, { source: string; arch: string; entries: { jobId: number; triggers: string[] }[] }>();
  for (const dep of deps) {
    const newer = published.find(
      (p) =>
        p.name === dep.name &&
        (dep.architecture === '' ? p.architecture === dep.arch || p.architecture === 'all' : dep.architecture === p.architecture) &&
        p.source !== dep.source &&
        compareVersions(dep.version, p.version) < 0,
    );
    if (!newer) continue;
    const key = `${dep.source}\0${dep.arch}`;
    const group = stale.get(key) ?? { source: dep.source, arch: dep.arch, entries: [] };
    let entry = group.entries.find((e) => e.jobId === dep.job_id);
    if (!entry) group.entries.push((entry = { jobId: dep.job_id, triggers: [] }));
    entry.triggers.push(`${dep.name} ${dep.version} → ${newer.version}`);
    stale.set(key, group);
  }
  if (stale.size === 0) return [];

  const sources = [...new Set([...stale.values()].map((g) => g.source))];
  // The current build of each source: of the jobs whose packages the index lists, the newest.
  const current = await db
    .selectFrom('jobs as j')
    .select(['j.id', 'j.source', 'j.arch', 'j.version', 'j.binnmu'])
    .where('j.source', 'in', sources)
    .where((eb) =>
      eb.exists(eb.selectFrom('repo_packages as p').select('p.id').whereRef('p.job_id', '=', 'j.id').where('p.suite', '=', options.suite)),
    )
    .execute();
  const pending = new Set(
    (
      await db
        .selectFrom('jobs')
        .select(['source', 'arch'])
        .where('source', 'in', sources)
        .where('state', 'in', [...liveStates])
        .execute()
    ).map((r) => `${r.source}\0${r.arch}`),
  );

  const queued: QueuedRebuild[] = [];
  for (const [key, { source, arch, entries: candidates }] of stale) {
    if (pending.has(key) || !options.rebuildArches.includes(arch)) continue;
    const newest = current
      .filter((j) => j.source === source && j.arch === arch && j.version !== null)
      .sort((a, b) => compareVersions(effectiveVersion(b.version!, b.binnmu), effectiveVersion(a.version!, a.binnmu)) || b.id - a.id)[0];
    const entry = newest && candidates.find((c) => c.jobId === newest.id);
    if (!newest || !entry) continue;

    const original = await db.selectFrom('jobs').selectAll().where('id', '=', newest.id).executeTakeFirstOrThrow();
    const files = await db
      .selectFrom('job_files')
      .select(['name', 'sha256', 'size'])
      .where('job_id', '=', original.id)
      .orderBy('name')
      .execute();
    const { max } = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.max('binnmu').as('max'))
      .where('source', '=', source)
      .where('arch', '=', arch)
      .where('version', '=', original.version)
      .executeTakeFirstOrThrow();
    const binNmu = (max ?? 0) + 1;
    const reason = `binNMU rebuild of job ${original.id} (${source} ${original.version} +b${binNmu}): built against ${entry.triggers.join(', ')}`;
    const { job } = await submitJob(db, {
      tokenId: original.submitted_by,
      actor: 'scheduler',
      reason,
      job: {
        origin: original.origin,
        source,
        version: original.version,
        suite: original.suite,
        arch,
        binaries: original.binaries,
        buildDepends: original.build_depends,
        buildDependsArch: original.build_depends_arch,
        files: files.map((f) => ({ ...f, size: Number(f.size) })),
        state: 'queued',
        binNmu,
        rebuildOf: original.id,
      },
    });
    options.logger?.info({ jobId: job.id, rebuildOf: original.id, binNmu, triggers: entry.triggers }, 'queued a binNMU rebuild');
    queued.push({ jobId: job.id, rebuildOf: original.id, binNmu, reason });
  }
  return queued;
}

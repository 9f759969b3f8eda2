// "Why is it not running?" in plain words, for a queued or dep-wait job: what it waits for,
// how many ready jobs the claim takes before it, and whether any engine could take it.
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type {} from '../db/dependency-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { liveStates } from '../jobs/live-states.ts';
import { isClaimedBefore, isReadyToClaim } from './claim-order.ts';
import type { QueuePlaces } from './queue-places.ts';
import { describeRelations, type MatchOptions, parsedRelations, relationNames } from './dep-wait.ts';
import type { EngineView } from './engine-pool.ts';

export interface ExplainDeps extends Omit<MatchOptions, 'hostArch'> {
  /** The repository's suite, whose published packages satisfy dep-waits. */
  suite: string;
  /** The engines as this service instance sees them; omitted where it runs no builds. */
  engines?: { list(): Promise<EngineView[]> } | undefined;
  /** The scheduler's ageing period (SCHEDULER_AGEING), which the claim order counts with. */
  ageingMs?: number | undefined;
  /** The Debian sources that build a binary (the archive's Sources index), when known. */
  debianSourcesOf?: ((binary: string) => Promise<string[]>) | undefined;
  /** A ranking shared by reads (queue-places.ts); without it each explanation ranks the queue. */
  queuePlaces?: QueuePlaces | undefined;
  now?: Date;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

async function explainDepWait(
  db: Db,
  job: { id: number; arch: string; unmet_relations: string[]; batch_id: number | null },
  deps: ExplainDeps,
): Promise<string> {
  const relations = job.unmet_relations;
  if (relations.length === 0) {
    return 'It waits for build-dependencies that apt could not install, but did not name them; it is tried again after the next publication.';
  }
  const check = await describeRelations(db, { ...deps, hostArch: job.arch }, relations);
  const parts: string[] = [];
  if (check.unmet.length > 0) {
    // Who is going to provide them: jobs whose .dsc lists a binary of that name; when none is
    // live, the last one that failed or was cancelled (the wait then needs someone to act).
    const names = relationNames(check.unmet);
    const providers = await db
      .selectFrom('jobs')
      .select(['id', 'source', 'version', 'state', 'binaries'])
      .where('state', 'in', [...liveStates, 'failed', 'cancelled'])
      .where('arch', '=', job.arch)
      .where('id', '!=', job.id)
      .where(sql<boolean>`binaries && ${sql.val(names)}::text[]`)
      .orderBy('id')
      .execute();
    // Each unmet relation: who will build it, or what someone has to do for it to be built.
    let stuck = 0;
    const described = await Promise.all(
      check.unmet.map(async (relation) => {
        const wanted = relationNames([relation]);
        const from = providers.filter((p) => p.binaries.some((b) => wanted.includes(b)));
        const name = (p: (typeof from)[number]) => `job ${p.id} (${p.source}${p.version ? ` ${p.version}` : ''}, ${p.state})`;
        const live = from.filter((p) => (liveStates as readonly string[]).includes(p.state));
        if (live.length > 0) return `${relation}, which ${live.map(name).join(' or ')} will build`;
        stuck += 1;
        const dead = from.at(-1);
        if (dead)
          return `${relation}, which ${name(dead)} was to build: requeue that job once its cause is fixed, or submit a fixed version of ${dead.source}`;
        const sources = deps.debianSourcesOf ? [...new Set((await Promise.all(wanted.map((b) => deps.debianSourcesOf!(b)))).flat())] : [];
        if (sources.length > 0)
          return `${relation}, which no job builds: Debian's source ${sources.join(' or ')} does, submit it (e.g. {"source": "${sources[0]}"})`;
        return `${relation}, which no job builds and no Debian source is known to build: submit the source that provides it`;
      }),
    );
    // A cross build asks for the target's copy of every unqualified build-dependency that is
    // not Multi-Arch: foreign; for a program the build only runs, no stub-domain copy will come.
    const programs = targetPrograms(check.unmet, job.arch);
    parts.push(
      `It waits for build-dependencies not yet published for ${job.arch}: ${described.join('; ')}. ` +
        (stuck === 0
          ? 'It goes back to the queue by itself once they are published.'
          : `It goes back to the queue by itself once they are published, but ${stuck === check.unmet.length ? 'nothing' : 'not everything it needs'} is being built now: it waits until someone acts.`),
    );
    if (programs.length > 0) {
      const named = programs.join(' and ');
      parts.push(
        `${named} ${programs.length === 1 ? 'looks like a program' : 'look like programs'} the build runs rather than ` +
          `${programs.length === 1 ? 'a library' : 'libraries'} it links: a cross build takes the build machine's copy only where ` +
          `Build-Depends says so (${programs[0]}:native, or ${programs[0]}:any when it is Multi-Arch: allowed), and none where a ` +
          '<!nocheck> or <!nodoc> mark leaves out what only tests or documentation need; a port of the source can say so (ports/README.md).',
      );
    }
  }
  if (check.satisfied.length > 0) {
    const now = [...new Set(check.satisfied.map((s) => `${s.by.name} ${s.by.version}`))];
    parts.push(
      check.unmet.length > 0
        ? `Already published: ${now.join(', ')}.`
        : `Everything it waited for is published now (${now.join(', ')}); it is queued again at the next check.`,
    );
  }
  if (job.batch_id !== null) parts.push(`It is a member of batch ${job.batch_id}.`);
  return parts.join(' ');
}

/**
 * The names asked for as the target's (unqualified, or qualified with its architecture) that
 * are no library's (no lib…, no …-dev): most likely programs the build runs.
 */
function targetPrograms(relations: readonly string[], arch: string): string[] {
  const programs = parsedRelations(relations).filter(
    (r) => (r.archQualifier === undefined || r.archQualifier === arch) && !r.name.startsWith('lib') && !r.name.endsWith('-dev'),
  );
  return [...new Set(programs.map((r) => r.name))];
}

function describeEngines(engines: EngineView[]): string {
  if (engines.length === 0) return 'No builder engine is configured.';
  const open = engines.filter((e) => !e.drained);
  if (open.length === 0) {
    return `Every engine is drained: ${engines.map((e) => `${e.id} (${e.drainReason ?? 'no reason given'})`).join(', ')}.`;
  }
  const healthy = open.filter((e) => e.healthy);
  if (healthy.length === 0) {
    return `No engine that is not drained is healthy: ${open.map((e) => `${e.id}: ${e.detail}`).join('; ')}.`;
  }
  const free = healthy.filter((e) => e.running < e.capacity);
  const load = healthy.map((e) => `${e.id} ${e.running}/${e.capacity}`).join(', ');
  if (free.length === 0) return `Every healthy engine is at capacity (${load}); it starts when an attempt ends.`;
  return `Engines with free capacity: ${free.map((e) => `${e.id} ${e.running}/${e.capacity}`).join(', ')}.`;
}

async function countAhead(db: Db, jobId: number, ageingMs: number | undefined): Promise<number> {
  const { n } = await db
    .selectFrom('jobs')
    .select(sql<number>`count(*)::int`.as('n'))
    .where(isReadyToClaim())
    .where(isClaimedBefore({ id: jobId }, ageingMs))
    .executeTakeFirstOrThrow();
  return n;
}

async function explainQueued(db: Db, job: { id: number; priority: number } & Record<string, unknown>, deps: ExplainDeps): Promise<string> {
  const parts: string[] = [];
  // Backoff, once the scheduler keeps one: read the column when the database has it.
  const notBefore = job.not_before;
  if (notBefore instanceof Date && notBefore > (deps.now ?? new Date())) {
    parts.push(`It is backing off after a failed attempt until ${notBefore.toISOString()}.`);
  }
  const n = (await deps.queuePlaces?.ahead(job.id)) ?? (await countAhead(db, job.id, deps.ageingMs));
  parts.push(n === 0 ? 'It is next in the queue.' : `${plural(n, 'ready job is', 'ready jobs are')} ahead of it in the queue.`);
  if (deps.engines) parts.push(describeEngines(await deps.engines.list()));
  return parts.join(' ');
}

/** Why a queued or dep-wait job is not building, in plain words; null in other states. */
export async function explainJob(db: Db, jobId: number, deps: ExplainDeps): Promise<string | null> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  if (!row) return null;
  if (row.state === 'dep-wait') return explainDepWait(db, row, deps);
  if (row.state === 'queued') return explainQueued(db, row as typeof row & Record<string, unknown>, deps);
  return null;
}

/** The same for a job read already: no query unless it is queued or in dep-wait. */
export function explainIfWaiting(db: Db, job: { id: number; state: string }, deps: ExplainDeps): Promise<string | null> {
  return job.state === 'queued' || job.state === 'dep-wait' ? explainJob(db, job.id, deps) : Promise.resolve(null);
}

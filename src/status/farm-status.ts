// The farm at a glance, for the status page: what builds where, what waits and why, what
// ended lately, and the engines. What buildd.debian.org and the OBS monitor show, for this farm.
import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { jobStates, type JobState } from '../jobs/job-states.ts';
import type { EngineView } from '../scheduler/engine-pool.ts';
import { type ExplainDeps, explainJob } from '../scheduler/explain-job.ts';

export interface BuildingJob {
  id: number;
  source: string;
  version: string | null;
  engine: string;
  attempt: number;
  startedAt: Date;
}

export interface WaitingJob {
  id: number;
  source: string;
  version: string | null;
  state: JobState;
  priority: number;
  since: Date;
  explanation: string | null;
}

export interface FinishedJob {
  id: number;
  source: string;
  version: string | null;
  state: JobState;
  reason: string | null;
  at: Date;
  /** The latest attempt, whose log the page links; null when the job never built. */
  attempt: number | null;
  debs: string[];
}

export interface FarmStatus {
  counts: Record<JobState, number>;
  building: BuildingJob[];
  waiting: WaitingJob[];
  /** Waiting jobs beyond those listed. */
  moreWaiting: number;
  recent: FinishedJob[];
  engines: EngineView[];
}

export async function getFarmStatus(
  db: Db,
  deps: {
    explain: Omit<ExplainDeps, 'now'>;
    engines?: { list(): Promise<EngineView[]> } | undefined;
    waitingShown?: number;
    recentShown?: number;
  },
): Promise<FarmStatus> {
  const waitingShown = deps.waitingShown ?? 25;
  const countRows = await db
    .selectFrom('jobs')
    .select(['state', sql<number>`count(*)::int`.as('n')])
    .groupBy('state')
    .execute();
  const counts = Object.fromEntries(jobStates.map((s) => [s, countRows.find((r) => r.state === s)?.n ?? 0])) as Record<JobState, number>;

  const building = await db
    .selectFrom('jobs as j')
    .innerJoin('attempts as a', (join) => join.onRef('a.job_id', '=', 'j.id').on('a.state', '=', 'running'))
    .select(['j.id', 'j.source', 'j.version', 'a.engine_id', 'a.number', 'a.started_at'])
    .where('j.state', '=', 'building')
    .orderBy('a.started_at')
    .execute();

  const waitingRows = await db
    .selectFrom('jobs')
    .select(['id', 'source', 'version', 'state', 'priority', 'updated_at'])
    .where('state', 'in', ['fetching', 'queued', 'dep-wait'])
    .orderBy('priority', 'desc')
    .orderBy('id')
    .limit(waitingShown)
    .execute();
  const waiting: WaitingJob[] = [];
  for (const row of waitingRows) {
    waiting.push({
      id: row.id,
      source: row.source,
      version: row.version,
      state: row.state as JobState,
      priority: row.priority,
      since: row.updated_at,
      explanation:
        row.state === 'fetching'
          ? 'Its source is being downloaded from the archive and verified.'
          : await explainJob(db, row.id, deps.explain),
    });
  }

  const recentRows = await db
    .selectFrom('jobs')
    .select([
      'id',
      'source',
      'version',
      'state',
      'reason',
      'updated_at',
      sql<number | null>`(select max(number) from attempts where attempts.job_id = jobs.id)`.as('attempt'),
    ])
    .where('state', 'in', ['published', 'failed', 'cancelled'])
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(deps.recentShown ?? 20)
    .execute();
  const debs = recentRows.length
    ? await db
        .selectFrom('artifacts')
        .select(['job_id', 'attempt', 'name'])
        .where('kind', '=', 'deb')
        .where(
          'job_id',
          'in',
          recentRows.map((r) => r.id),
        )
        .orderBy('name')
        .execute()
    : [];

  return {
    counts,
    building: building.map((b) => ({
      id: b.id,
      source: b.source,
      version: b.version,
      engine: b.engine_id,
      attempt: b.number,
      startedAt: b.started_at,
    })),
    waiting,
    moreWaiting: Math.max(0, counts.fetching + counts.queued + counts['dep-wait'] - waiting.length),
    recent: recentRows.map((r) => ({
      id: r.id,
      source: r.source,
      version: r.version,
      state: r.state as JobState,
      reason: r.reason,
      at: r.updated_at,
      attempt: r.attempt,
      debs: debs.filter((d) => d.job_id === r.id && d.attempt === r.attempt).map((d) => d.name),
    })),
    engines: (await deps.engines?.list()) ?? [],
  };
}

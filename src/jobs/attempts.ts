import { type RawBuilder, sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type { AttemptState } from '../db/build-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { leaseHeld, leaseUntil } from './lease.ts';

export interface AttemptSummary {
  number: number;
  engine: string;
  state: AttemptState;
  reason: string | null;
  message: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface ArtifactInfo {
  attempt: number;
  name: string;
  kind: 'deb' | 'buildinfo' | 'changes' | 'source' | 'log';
  size: number;
  sha256: string;
}

/** An attempt that runs and whose lease has not run out: one that may have containers on its engine. */
export function isLiveAttempt(table = 'attempts'): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${table}.state`)} = 'running' and ${leaseHeld(`${table}.lease_until`)}`;
}

/**
 * Opens the next attempt of a job on an engine; returns its number (1, 2, …). With a lease,
 * the attempt is held by `owner` until `leaseMs` from now (src/scheduler renews it).
 */
export async function openAttempt(db: Db, jobId: number, engineId: string, lease?: { owner: string; leaseMs: number }): Promise<number> {
  const row = await db
    .insertInto('attempts')
    .values((eb) => ({
      job_id: jobId,
      number: eb
        .selectFrom('attempts')
        .select(sql<number>`coalesce(max(number), 0) + 1`.as('n'))
        .where('job_id', '=', jobId),
      engine_id: engineId,
      state: 'running',
      // The moment of the claim, not of its transaction's start (now()): a claim that waited
      // for its engine's lock started after the attempt whose end made room for it.
      started_at: sql<Date>`clock_timestamp()`,
      ...(lease ? { lease_owner: lease.owner, lease_until: leaseUntil(lease.leaseMs) } : {}),
    }))
    .returning('number')
    .executeTakeFirstOrThrow();
  return row.number;
}

export async function closeAttempt(
  db: Db,
  jobId: number,
  number: number,
  result: {
    state: Exclude<AttemptState, 'running'>;
    reason?: string | null;
    message?: string | null;
    provenance?: unknown;
    /** The attempt ended when its lease ran out (it stopped counting against capacity then). */
    endedAtLeaseEnd?: boolean;
  },
): Promise<void> {
  await db
    .updateTable('attempts')
    .set({
      state: result.state,
      reason: result.reason ?? null,
      message: result.message ?? null,
      provenance: result.provenance === undefined ? null : JSON.stringify(result.provenance),
      finished_at: result.endedAtLeaseEnd
        ? sql<Date>`least(clock_timestamp(), coalesce(lease_until, clock_timestamp()))`
        : sql<Date>`clock_timestamp()`,
    })
    .where('job_id', '=', jobId)
    .where('number', '=', number)
    .execute();
}

/** The job's attempts, oldest first (a query, so it can be a part of a larger one). */
export function attemptsOf(db: Db, jobId: number) {
  return db
    .selectFrom('attempts')
    .select(['number', 'engine_id', 'state', 'reason', 'message', 'started_at', 'finished_at'])
    .where('job_id', '=', jobId)
    .orderBy('number');
}

/** Takes timestamps as Dates or, from a JSON aggregate, as strings. */
export function toAttemptSummary(r: {
  number: number;
  engine_id: string;
  state: AttemptState;
  reason: string | null;
  message: string | null;
  started_at: Date | string;
  finished_at: Date | string | null;
}): AttemptSummary {
  return {
    number: r.number,
    engine: r.engine_id,
    state: r.state,
    reason: r.reason,
    message: r.message,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
  };
}

export async function recordArtifacts(db: Db, jobId: number, attempt: number, artifacts: Omit<ArtifactInfo, 'attempt'>[]): Promise<void> {
  if (artifacts.length === 0) return;
  await db
    .insertInto('artifacts')
    .values(artifacts.map((a) => ({ job_id: jobId, attempt, ...a })))
    .execute();
}

/** Artifacts of one attempt, or of the latest attempt that has any (a query, to be part of a larger one). */
export function artifactsOf(db: Db, jobId: number, attempt?: number) {
  const query = db.selectFrom('artifacts').select(['attempt', 'name', 'kind', 'size', 'sha256']).where('job_id', '=', jobId);
  return (
    attempt === undefined
      ? query.where('attempt', '=', (eb) =>
          eb
            .selectFrom('artifacts')
            .select(sql<number>`max(attempt)`.as('a'))
            .where('job_id', '=', jobId),
        )
      : query.where('attempt', '=', attempt)
  ).orderBy('name');
}

/** Artifacts of one attempt, or of the latest attempt that has any. */
export async function listArtifacts(db: Db, jobId: number, attempt?: number): Promise<ArtifactInfo[]> {
  return artifactsOf(db, jobId, attempt).execute();
}

/**
 * A build log kept as numbered chunks: written as the build prints, readable (and followable)
 * from any replica while the build still runs.
 */
export class AttemptLogWriter {
  private seq = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** The last bytes written, for reading why a build failed without a round trip. */
  private recent: Buffer[] = [];
  private recentBytes = 0;

  constructor(
    private readonly db: Db,
    private readonly jobId: number,
    private readonly attempt: number,
    private readonly flushBytes = 64 * 1024,
    private readonly flushMs = 500,
    private readonly tailBytes = 1024 * 1024,
  ) {}

  /** The end of the log so far (up to `tailBytes`), as text. */
  tail(): string {
    return Buffer.concat(this.recent).toString('utf8');
  }

  write(chunk: Buffer): void {
    this.recent.push(chunk);
    this.recentBytes += chunk.length;
    while (this.recentBytes - this.recent[0]!.length >= this.tailBytes) this.recentBytes -= this.recent.shift()!.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.flushBytes) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes what is buffered; chunks keep their order whoever calls it. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingBytes === 0) return this.flushing;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const seq = (this.seq += 1);
    this.flushing = this.flushing.then(() =>
      this.db
        .insertInto('attempt_log_chunks')
        .values({ job_id: this.jobId, attempt: this.attempt, seq, data })
        .execute()
        .then(() => undefined),
    );
    return this.flushing;
  }
}

/** The attempt a log request means: the given number, or the latest. */
export async function resolveAttempt(db: Db, jobId: number, attempt?: number): Promise<{ number: number; running: boolean }> {
  let query = db.selectFrom('attempts').select(['number', 'state']).where('job_id', '=', jobId);
  query = attempt === undefined ? query.orderBy('number', 'desc').limit(1) : query.where('number', '=', attempt);
  const row = await query.executeTakeFirst();
  if (!row) {
    throw new DomainError(
      'not-found',
      attempt === undefined ? `job ${jobId} has no build attempt yet` : `job ${jobId} has no attempt ${attempt}`,
    );
  }
  return { number: row.number, running: row.state === 'running' };
}

/** Log chunks after `afterSeq`, in order. */
export async function readLogChunks(db: Db, jobId: number, attempt: number, afterSeq = 0): Promise<{ seq: number; data: Buffer }[]> {
  const rows = await db
    .selectFrom('attempt_log_chunks')
    .select(['seq', 'data'])
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ seq: r.seq, data: Buffer.from(r.data) }));
}

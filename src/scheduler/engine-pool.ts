import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type { Builder, EngineStatus } from '../builders/builder.ts';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { isLiveAttempt } from '../jobs/attempts.ts';

/** An engine's health for the architectures the service builds: it builds those whose image it has. */
export interface EngineHealth extends EngineStatus {
  arches: string[];
}

export interface EngineView extends EngineHealth {
  drained: boolean;
  drainReason: string | null;
  /** Attempts running on it now, by every service process (live leases). */
  running: number;
}

const HEALTH_TTL_MS = 10_000;

/**
 * Drains or resumes an engine for every replica (the `engines` row). With `onlyIfOpen`, an
 * engine already drained keeps its reason (the first cause stays visible); returns whether
 * the row changed.
 */
export async function drainEngine(
  db: Db,
  id: string,
  reason: string | null,
  options: { drained?: boolean; onlyIfOpen?: boolean } = {},
): Promise<boolean> {
  const drained = options.drained ?? true;
  const result = await db
    .insertInto('engines')
    .values({ id, drained, drain_reason: drained ? reason : null })
    .onConflict((oc) => {
      const update = oc.column('id').doUpdateSet({ drained, drain_reason: drained ? reason : null, updated_at: sql<Date>`now()` });
      return options.onlyIfOpen ? update.where('engines.drained', '=', false) : update;
    })
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * The configured builder engines with their capacity, health (checked about every 10 s) and
 * drain state. Drain state and running attempts live in the database, so every replica sees
 * the same; the claim (claim-job.ts) counts capacity there.
 */
export class EnginePool {
  private readonly health = new Map<string, { at: number; status: EngineHealth }>();
  private readonly checking = new Map<string, Promise<EngineHealth>>();

  constructor(
    private readonly db: Db,
    readonly builders: readonly Builder[],
    /** The builder image of each architecture the service builds (arch → image). */
    private readonly images: ReadonlyMap<string, string>,
  ) {}

  get(id: string): Builder {
    const builder = this.builders.find((b) => b.id === id);
    if (!builder) throw new DomainError('not-found', `no engine ${id} (configured: ${this.builders.map((b) => b.id).join(', ')})`);
    return builder;
  }

  /**
   * Healthy when the engine answers and has the image of at least one architecture. Once an
   * engine was checked, a caller does not wait for the next check (an engine out of reach can
   * take seconds to say so): a result older than HEALTH_TTL_MS is returned while a new check
   * runs, one per engine at a time. `fresh`: wait for a check begun now (or one in flight).
   */
  checkHealth(builder: Builder, fresh = false): Promise<EngineHealth> {
    const cached = this.health.get(builder.id);
    if (fresh || !cached) return this.check(builder);
    if (Date.now() - cached.at >= HEALTH_TTL_MS) this.check(builder).catch(() => undefined);
    return Promise.resolve(cached.status);
  }

  private check(builder: Builder): Promise<EngineHealth> {
    let checking = this.checking.get(builder.id);
    if (!checking) {
      checking = this.checkNow(builder).finally(() => this.checking.delete(builder.id));
      this.checking.set(builder.id, checking);
    }
    return checking;
  }

  private async checkNow(builder: Builder): Promise<EngineHealth> {
    const checks: { arch: string; status: EngineStatus }[] = [];
    for (const [arch, image] of this.images) checks.push({ arch, status: await builder.checkHealth(image) });
    const arches = checks.filter((c) => c.status.healthy).map((c) => c.arch);
    const problems = checks.filter((c) => !c.status.healthy).map((c) => c.status.detail);
    const status: EngineHealth = {
      id: builder.id,
      capacity: builder.capacity,
      healthy: arches.length > 0,
      detail:
        problems.length === 0
          ? 'ok'
          : arches.length > 0
            ? `builds ${arches.join(', ')}; ${[...new Set(problems)].join('; ')}`
            : [...new Set(problems)].join('; '),
      arches,
    };
    this.health.set(builder.id, { at: Date.now(), status });
    return status;
  }

  /** Gives every configured engine its row, which claims for it queue on. */
  async registerEngines(): Promise<void> {
    if (this.builders.length === 0) return;
    await this.db
      .insertInto('engines')
      .values(this.builders.map((b) => ({ id: b.id })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** The engines that answer, with the architectures whose image they have (drain and capacity are the claim's to check). */
  async healthyEngines(): Promise<{ builder: Builder; arches: string[] }[]> {
    const healthy: { builder: Builder; arches: string[] }[] = [];
    for (const builder of this.builders) {
      const status = await this.checkHealth(builder);
      if (status.healthy) healthy.push({ builder, arches: status.arches });
    }
    return healthy;
  }

  async list(): Promise<EngineView[]> {
    const drains = await this.db.selectFrom('engines').selectAll().execute();
    const running = await this.db
      .selectFrom('attempts')
      .select(['engine_id', sql<number>`count(*)::int`.as('n')])
      .where(isLiveAttempt())
      .groupBy('engine_id')
      .execute();
    return Promise.all(
      this.builders.map(async (builder) => {
        const drain = drains.find((d) => d.id === builder.id);
        return {
          ...(await this.checkHealth(builder)),
          drained: drain?.drained ?? false,
          drainReason: drain?.drain_reason ?? null,
          running: running.find((r) => r.engine_id === builder.id)?.n ?? 0,
        };
      }),
    );
  }

  async view(id: string): Promise<EngineView> {
    this.get(id);
    return (await this.list()).find((e) => e.id === id)!;
  }

  /** No new attempts start on a drained engine; running ones finish. */
  async setDrained(id: string, drained: boolean, reason: string | null): Promise<EngineView> {
    this.get(id);
    await drainEngine(this.db, id, reason, { drained });
    return this.view(id);
  }
}

import { sql } from 'kysely';
import type {} from '../db/build-tables.ts';
import type { Builder, EngineStatus } from '../builders/builder.ts';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';

export interface EngineView extends EngineStatus {
  drained: boolean;
  drainReason: string | null;
  running: number;
}

const HEALTH_TTL_MS = 10_000;

/**
 * The configured builder engines with their capacity, health (checked at most every 10 s) and
 * drain state. Drain state lives in the database, so every replica honours it.
 */
export class EnginePool {
  private readonly health = new Map<string, { at: number; status: EngineStatus }>();
  /** Attempts this process runs now, per engine. */
  readonly running = new Map<string, number>();

  constructor(
    private readonly db: Db,
    readonly builders: readonly Builder[],
    private readonly image: string,
  ) {}

  get(id: string): Builder {
    const builder = this.builders.find((b) => b.id === id);
    if (!builder) throw new DomainError('not-found', `no engine ${id} (configured: ${this.builders.map((b) => b.id).join(', ')})`);
    return builder;
  }

  async checkHealth(builder: Builder, fresh = false): Promise<EngineStatus> {
    const cached = this.health.get(builder.id);
    if (!fresh && cached && Date.now() - cached.at < HEALTH_TTL_MS) return cached.status;
    const status = await builder.checkHealth(this.image);
    this.health.set(builder.id, { at: Date.now(), status });
    return status;
  }

  async list(): Promise<EngineView[]> {
    const drains = await this.db.selectFrom('engines').selectAll().execute();
    const running = await this.db
      .selectFrom('attempts')
      .select(['engine_id', sql<number>`count(*)::int`.as('n')])
      .where('state', '=', 'running')
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
    await this.db
      .insertInto('engines')
      .values({ id, drained, drain_reason: drained ? reason : null })
      .onConflict((oc) => oc.column('id').doUpdateSet({ drained, drain_reason: drained ? reason : null, updated_at: sql<Date>`now()` }))
      .execute();
    return this.view(id);
  }

  /** An engine that can take one more attempt now: healthy, not drained, below capacity. */
  async pickEngine(): Promise<Builder | undefined> {
    const drained = new Set(
      (await this.db.selectFrom('engines').select('id').where('drained', '=', true).execute()).map((r) => r.id),
    );
    for (const builder of this.builders) {
      if (drained.has(builder.id) || (this.running.get(builder.id) ?? 0) >= builder.capacity) continue;
      if ((await this.checkHealth(builder)).healthy) return builder;
    }
    return undefined;
  }
}

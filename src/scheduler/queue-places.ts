// How many ready jobs the claim order puts before a queued job, for the explanations that job
// reads show. Ranking every ready job is the claim's own query: 10-60 ms of PostgreSQL with
// 5,000 queued, too much to pay on each read of a waiting job's page, or even once a second: on two
// cores that query, run while a burst of reads is answered, doubled their slowest answers. One
// ranking is shared by the reads of the following 10 s (as long as a waiting job's answer is
// kept, job-read-cache.ts); after that the next read starts a new ranking and reads meanwhile
// are answered from the last one, unless it is older than USABLE_FOR_MS: the count is seconds
// old while jobs are read, at most a minute after a pause.
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';
import { claimOrderBy, rankedReadyJobs } from './claim-order.ts';

const FRESH_FOR_MS = 10_000;
const USABLE_FOR_MS = 60_000;

export class QueuePlaces {
  private snapshot: { at: number; places: Map<number, number> } | undefined;
  private ranking: Promise<Map<number, number>> | undefined;

  constructor(
    private readonly db: Db,
    private readonly ageingMs: number,
  ) {}

  /** Ready jobs before `jobId`; undefined when it was not ready at the last ranking. */
  async ahead(jobId: number): Promise<number | undefined> {
    return (await this.places()).get(jobId);
  }

  private places(): Promise<Map<number, number>> {
    const age = this.snapshot ? performance.now() - this.snapshot.at : Infinity;
    if (age < FRESH_FOR_MS) return Promise.resolve(this.snapshot!.places);
    this.ranking ??= this.rank().finally(() => (this.ranking = undefined));
    // A failed ranking in the background is tried again by the next read.
    if (age < USABLE_FOR_MS) {
      this.ranking.catch(() => undefined);
      return Promise.resolve(this.snapshot!.places);
    }
    return this.ranking;
  }

  private async rank(): Promise<Map<number, number>> {
    const at = performance.now();
    const { rows } = await sql<{ id: number }>`
      select ranked.id from ${rankedReadyJobs(this.ageingMs)} ranked order by ${claimOrderBy('ranked')}`.execute(this.db);
    const places = new Map(rows.map((r, i) => [r.id, i]));
    this.snapshot = { at, places };
    return places;
  }
}

// Job reads answered from memory. CI polls the same jobs over and over; most reads find a job
// unchanged since the last, and its answer costs a database round trip and a serialisation
// each time. The cache keeps the serialised answer until the database says the job changed:
//   - this process's own writes, as each statement finishes (WriteWatch), and once more before
//     an answer to a write request leaves (so its client reads what it wrote);
//   - every other process's writes by the NOTIFY that migration 0014's triggers send at commit.
// While notifications are not arriving (the LISTEN connection is down) nothing is served from
// memory. An answer read while a change arrived is not kept (it may predate the change).
// A waiting job's answer also says why it waits (its place in the queue, the engines), which
// changes without the job changing: it is kept WAITING_ANSWER_MS at most.
import type { FastifyReply } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ListenForPayload } from '../jobs/job-wakeups.ts';
import type { WriteWatch, WrittenTables } from '../db/write-watch.ts';

export const JOB_CHANGED_CHANNEL = 'stubbuild_job_changed';
export const WAITING_ANSWER_MS = 10_000;
/** What a job read shows comes from these tables (the triggers of migration 0014 watch the same). */
const JOB_TABLES = new Set(['jobs', 'job_files', 'job_events', 'attempts', 'artifacts', '*']);

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends an answer serialised before (by the route's own serialiser, so it has the route's schema). */
export function sendSerialized(reply: FastifyReply, json: string): FastifyReply {
  return reply.type(JSON_TYPE).send(json);
}

/** Serialises `body` with the route's serialiser for a 200, as `send` would. */
export function serialize(reply: FastifyReply, body: unknown): string {
  return String(reply.serialize(body));
}

/** A read begun: keep its answer only if nothing changed meanwhile. */
export interface CacheFill {
  /** `waiting`: the answer explains a waiting job (kept WAITING_ANSWER_MS at most). */
  keep(json: string, waiting?: boolean): void;
}

export class JobReadCache {
  /** A job's page by id. */
  private readonly jobs: LRUCache<number, string>;
  /** Pages of the job list by their query; any job's change forgets them all. */
  private readonly lists: LRUCache<string, string>;
  /** Reads answered from memory (hit) and from the database (miss) since the start. */
  readonly answered = { hit: 0, miss: 0 };
  private generation = 0;
  private listening = false;
  private readonly stops: (() => void | Promise<void>)[] = [];

  constructor(maxBytes: number) {
    // Strings count twice their length (UTF-16); a list holds a quarter of the budget.
    const sized = (share: number) => ({
      maxSize: Math.max(1, Math.floor(maxBytes * share)),
      sizeCalculation: (v: string) => 2 * v.length || 1,
    });
    this.jobs = new LRUCache<number, string>(sized(0.75));
    this.lists = new LRUCache<string, string>(sized(0.25));
  }

  /** Starts forgetting by this process's writes and by NOTIFY; serves from memory once listening. */
  async start(listen: ListenForPayload, writes: WriteWatch | undefined): Promise<void> {
    if (writes) this.stops.push(writes.onWrite((tables) => this.written(tables)));
    let lost = false;
    const unlisten = await listen(
      JOB_CHANGED_CHANNEL,
      (payload) => {
        // '' (after a reconnect): notifications were missed; anything may have changed.
        this.changed(payload === '' || payload === '*' ? 'all' : payload.split(',').map(Number));
        if (payload === '') this.listening = true;
      },
      () => {
        lost = true;
        this.listening = false;
        this.changed('all');
      },
    );
    this.stops.push(unlisten);
    if (!lost) this.listening = true;
  }

  async stop(): Promise<void> {
    this.listening = false;
    this.changed('all');
    await Promise.all(this.stops.splice(0).map((stop) => stop()));
  }

  job(id: number): string | undefined {
    return this.counted(this.listening ? this.jobs.get(id) : undefined);
  }

  list(query: string): string | undefined {
    return this.counted(this.listening ? this.lists.get(query) : undefined);
  }

  private counted(answer: string | undefined): string | undefined {
    if (answer === undefined) this.answered.miss += 1;
    else this.answered.hit += 1;
    return answer;
  }

  beginJob(id: number): CacheFill {
    return this.fill((json, waiting) => this.jobs.set(id, json, waiting ? { ttl: WAITING_ANSWER_MS } : {}));
  }

  beginList(query: string): CacheFill {
    return this.fill((json) => this.lists.set(query, json));
  }

  /** Forgets every job (an answer to a write request is leaving; its client may read next). */
  forgetAll(): void {
    this.changed('all');
  }

  private fill(store: (json: string, waiting: boolean) => void): CacheFill {
    const generation = this.generation;
    return {
      keep: (json, waiting = false) => {
        if (this.listening && this.generation === generation) store(json, waiting);
      },
    };
  }

  private written(tables: WrittenTables): void {
    for (const table of tables) if (JOB_TABLES.has(table)) return this.changed('all');
  }

  private changed(ids: number[] | 'all'): void {
    this.generation += 1;
    this.lists.clear();
    if (ids === 'all') this.jobs.clear();
    else for (const id of ids) this.jobs.delete(id);
  }
}

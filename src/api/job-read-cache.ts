// Job reads answered from memory. CI polls the same jobs over and over; most reads find a job
// unchanged since the last, and its answer costs a database round trip and a serialisation
// each time. The cache keeps the serialised answer until the database says the job changed:
//   - this process's own writes, as each statement finishes (WriteWatch), and once more before
//     an answer to a write request leaves (so its client reads what it wrote);
//   - every other process's writes by the NOTIFY that migration 0014's triggers send at commit.
// While notifications are not arriving (the LISTEN connection is down) nothing is served from
// memory. An answer read while a change arrived is not kept (it may predate the change).
// A waiting job's answer also says why it waits (its place in the queue, the engines), which
// changes without the job changing: once it is WAITING_ANSWER_MS old, the next read of it starts
// a new one and is answered with the old meanwhile (the explanation is seconds old, the job as
// current as any other).
import type { FastifyReply } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ListenForPayload } from '../jobs/job-wakeups.ts';
import type { WriteWatch, WrittenTables } from '../db/write-watch.ts';

export const JOB_CHANGED_CHANNEL = 'stubbuild_job_changed';
export const WAITING_ANSWER_MS = 10_000;
/** Waiting jobs' answers read again at once, at most. */
const RENEWALS = 2;
/** What a job read shows comes from these tables (the triggers of migration 0014 watch the same). */
const JOB_TABLES = new Set(['jobs', 'job_files', 'job_events', 'attempts', 'artifacts', '*']);

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends an answer serialised before (by the route's own serialiser, so it has the route's schema). */
export function sendSerialized(reply: FastifyReply, json: Buffer): FastifyReply {
  return reply.type(JSON_TYPE).send(json);
}

/**
 * Serialises `body` with the route's serialiser for a 200, as `send` would, into UTF-8 bytes: an
 * answer sent many times is encoded once (a page of 50 jobs is ~45 kB, and a string is measured
 * and encoded again on every send).
 */
export function serialize(reply: FastifyReply, body: unknown): Buffer {
  return Buffer.from(String(reply.serialize(body)));
}

/** An answer read from the database, serialised; `waiting`: it explains a waiting job (read again after WAITING_ANSWER_MS). */
export interface ReadAnswer {
  json: Buffer;
  waiting?: boolean;
}

interface Kept {
  json: Buffer;
  /** performance.now() of a waiting job's read: when to read it again; Infinity for the others. */
  renewAt: number;
}

/** Answers kept, and reads of them in flight. */
interface Shelf<K extends object | number | string> {
  kept: LRUCache<K, Kept>;
  reading: Map<K, Promise<Buffer>>;
}

export class JobReadCache {
  /** A job's page by id. */
  private readonly jobs: Shelf<number>;
  /** Pages of the job list by their query; any job's change forgets them all. */
  private readonly lists: Shelf<string>;
  /** Reads answered from memory (hit) and from the database (miss) since the start. */
  readonly answered = { hit: 0, miss: 0 };
  /** Renewals of waiting jobs' answers in flight. */
  private renewing = 0;
  private generation = 0;
  private listening = false;
  private readonly stops: (() => void | Promise<void>)[] = [];

  constructor(
    maxBytes: number,
    private readonly waitingAnswerMs = WAITING_ANSWER_MS,
  ) {
    // An answer counts its bytes and a little for the entry; lists get a quarter.
    const sized = (share: number) => ({
      maxSize: Math.max(1, Math.floor(maxBytes * share)),
      sizeCalculation: (v: Kept) => v.json.length + 64,
    });
    this.jobs = { kept: new LRUCache<number, Kept>(sized(0.75)), reading: new Map() };
    this.lists = { kept: new LRUCache<string, Kept>(sized(0.25)), reading: new Map() };
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

  /** A job's answer: from memory, from a read of it in flight, or read now by `read`. */
  job(id: number, read: () => Promise<ReadAnswer>): Promise<Buffer> {
    return this.answer(this.jobs, id, read);
  }

  /** A page of the job list by its query, the same way. */
  list(query: string, read: () => Promise<ReadAnswer>): Promise<Buffer> {
    return this.answer(this.lists, query, read);
  }

  /** Forgets every job (an answer to a write request is leaving; its client may read next). */
  forgetAll(): void {
    this.changed('all');
  }

  private answer<K extends number | string>(shelf: Shelf<K>, key: K, read: () => Promise<ReadAnswer>): Promise<Buffer> {
    if (this.listening) {
      const kept = shelf.kept.get(key);
      if (kept) {
        this.answered.hit += 1;
        // A waiting job's explanation is renewed behind the answer, one read at a time, and at
        // most RENEWALS at once: answers kept at the same moment (a page of waiting jobs read
        // together) come due together, and all renewed at once they held the pool's connections
        // and PostgreSQL's cores while the reads in front waited. A renewal skipped now is done
        // by a later read.
        if (performance.now() >= kept.renewAt && !shelf.reading.has(key) && this.renewing < RENEWALS) {
          this.renewing += 1;
          this.readInto(shelf, key, read)
            .catch(() => undefined)
            .finally(() => (this.renewing -= 1));
        }
        return Promise.resolve(kept.json);
      }
      // Concurrent reads of one job share one database read (after a change, dozens of clients
      // polling it would otherwise all ask at once); a change drops the reads in flight.
      const reading = shelf.reading.get(key);
      if (reading) {
        this.answered.hit += 1;
        return reading;
      }
    }
    this.answered.miss += 1;
    return this.readInto(shelf, key, read);
  }

  private readInto<K extends number | string>(shelf: Shelf<K>, key: K, read: () => Promise<ReadAnswer>): Promise<Buffer> {
    const generation = this.generation;
    const reading = read()
      .then(({ json, waiting }) => {
        // Read while a change arrived: it may show the job as it was.
        if (this.listening && this.generation === generation) {
          shelf.kept.set(key, { json, renewAt: waiting ? performance.now() + this.waitingAnswerMs : Infinity });
        }
        return json;
      })
      .finally(() => {
        if (shelf.reading.get(key) === reading) shelf.reading.delete(key);
      });
    if (this.listening) shelf.reading.set(key, reading);
    return reading;
  }

  private written(tables: WrittenTables): void {
    for (const table of tables) if (JOB_TABLES.has(table)) return this.changed('all');
  }

  private changed(ids: number[] | 'all'): void {
    this.generation += 1;
    this.lists.kept.clear();
    this.lists.reading.clear();
    if (ids === 'all') {
      this.jobs.kept.clear();
      this.jobs.reading.clear();
    } else {
      for (const id of ids) {
        this.jobs.kept.delete(id);
        this.jobs.reading.delete(id);
      }
    }
  }
}

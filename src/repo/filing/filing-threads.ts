// Threads that inspect the packages of requests adding many (filing-thread.ts), so
// seeding thousands uses every core: inspecting a package (prepare-deb.ts: two gunzips, two
// hashes, the tar walks) costs ~50 µs of one core. For a request adding many by path, the main
// thread links each into the pool as its batch comes back (pool/pool-changes.ts); a bulk
// upload's packages are also written (or linked) into the pool on the threads (file-deb-early.ts),
// so the main thread only parses the request meanwhile. A handful of packages (a build's output)
// are inspected in place: a round trip to a thread would cost more than it saves. The threads
// start on the first request that needs them and stop after an idle period: each holds its own
// V8 heap, resident memory most of a service's time for nothing.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EarlyDeb, FiledDeb } from './file-deb-early.ts';
import { filingThreadScript } from './filing-thread-script.ts';
import type { PrepareDebOptions, PreparedDeb } from './prepare-deb.ts';
import { RepoError, type RepoErrorCode } from '../repo-error.ts';

// Items per message: few messages, and every thread busy until the end.
export const BATCH = 64;

interface SerializedError {
  name?: string;
  code?: string;
  message: string;
}

type Answer = { prepared: PreparedDeb } | { filed: FiledDeb } | { error: SerializedError };
/** Paths to prepare, or a bulk upload's packages to file into the pool at `repoDir`. */
type Batch = { paths: string[]; options: PrepareDebOptions } | { debs: EarlyDeb[]; repoDir: string; options: PrepareDebOptions };

/** A package of the request was refused (or could not be read); `index` says which. */
export class PrepareFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: Error,
  ) {
    super(error.message, { cause: error });
  }
}

/**
 * One thread. Its batches may finish out of order (a package read by streaming yields to the
 * next batch), so each carries an id that its answer repeats.
 */
class FilingThread {
  private readonly waiting = new Map<number, { resolve: (answers: Answer[]) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;
  private readonly started: Promise<void>;

  private constructor(private readonly worker: Worker) {
    let ready: () => void;
    this.started = new Promise((resolve) => (ready = resolve));
    // Every listener goes on before unref(): adding a 'message' listener refs the port again.
    worker.on('message', (message: { ready?: true; id?: number; results?: Answer[] }) => {
      if (message.ready) return ready();
      if (message.id === undefined || !message.results) return;
      const waiting = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (this.waiting.size === 0) worker.unref();
      waiting?.resolve(message.results);
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of waiting) w.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a filing thread exited (code ${code})`)));
  }

  static async start(): Promise<FilingThread> {
    const thread = new FilingThread(new Worker(await filingThreadScript(), { eval: true, execArgv: [] }));
    await Promise.race([
      thread.started,
      new Promise<never>((_, reject) =>
        thread.worker
          .once('error', reject)
          .once('exit', (code) => reject(new Error(`a filing thread exited while starting (code ${code})`))),
      ),
    ]);
    thread.worker.unref();
    return thread;
  }

  /** Batches sent and not yet answered. */
  get load(): number {
    return this.waiting.size;
  }

  get usable(): boolean {
    return this.failed === undefined;
  }

  run(batch: Batch): Promise<Answer[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Only while a batch is out does the thread keep the process alive.
      this.worker.ref();
      this.worker.postMessage({ id, ...batch });
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

// Threads left without work this long stop; the next large request starts them again (~0.1 s).
const IDLE_STOP_MS = 60_000;

export class FilingThreads {
  private threads: Promise<FilingThread[]> | undefined;
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    // A core left for the main thread, but two threads even on two cores: once a bulk upload has
    // arrived, the main thread waits for the filing, and one thread would leave a core idle.
    private readonly size = Math.min(4, Math.max(Math.min(2, availableParallelism()), availableParallelism() - 1)),
    private readonly idleStopMs = IDLE_STOP_MS,
  ) {}

  /** Starts the threads now instead of on the first large request. */
  async start(): Promise<void> {
    await this.whileBusy(() => this.ready());
  }

  /**
   * Bundles the threads' script now (~0.1 s, in esbuild's process), so the first bulk upload
   * starts its threads at once instead of ~0.1 s into the request, while its parts pile up.
   */
  async prepare(): Promise<void> {
    await filingThreadScript();
  }

  /** Whether threads are running now (they start on demand and stop when idle). */
  get running(): boolean {
    return this.threads !== undefined;
  }

  /**
   * prepareDeb for every path, results in order; `onPrepared` hears of each (with its index)
   * as it comes back, and may throw to stop the rest. On a refusal no new batch starts; once
   * the batches out have come back it rejects with the PrepareFailure of the lowest index.
   */
  async prepareAll(
    paths: readonly string[],
    options: PrepareDebOptions,
    onPrepared: (prepared: PreparedDeb, index: number) => void,
  ): Promise<PreparedDeb[]> {
    const results: PreparedDeb[] = new Array(paths.length);
    const failures: PrepareFailure[] = [];
    await this.whileBusy(() =>
      this.distribute(
        paths.length,
        (start, end) => ({ paths: paths.slice(start, end), options }),
        (start, answers) => {
          for (const [i, answer] of answers.entries()) {
            try {
              if ('error' in answer) throw revive(answer.error);
              if (!('prepared' in answer)) throw new Error('a filing thread answered a batch of paths with filed packages');
              results[start + i] = answer.prepared;
              // Once one has failed the request is refused: what still comes back is not handed on.
              if (failures.length === 0) onPrepared(answer.prepared, start + i);
            } catch (err) {
              failures.push(new PrepareFailure(start + i, err as Error));
              break;
            }
          }
          return failures.length === 0;
        },
      ),
    );
    if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]!;
    return results;
  }

  /**
   * fileDebEarly for one batch of a bulk upload's packages, on the least busy thread; the
   * answers in order, up to and including the first refusal (an Error, RepoError when it is one).
   */
  fileBatch(debs: readonly EarlyDeb[], options: PrepareDebOptions, repoDir: string): Promise<(FiledDeb | Error)[]> {
    return this.whileBusy(async () => {
      const threads = await this.ready();
      const thread = threads.reduce((least, t) => (t.load < least.load ? t : least));
      const answers = await thread.run({ debs: [...debs], repoDir, options });
      return answers.map((a) => {
        if ('error' in a) return revive(a.error);
        return 'filed' in a ? a.filed : new Error('a filing thread answered a batch of packages with prepared paths');
      });
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const threads = this.threads;
    this.threads = undefined;
    if (threads) await Promise.all((await threads.catch(() => [])).map((t) => t.stop()));
  }

  /** Runs `work` counted as busy; the last to finish arms the idle stop. */
  private async whileBusy<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    clearTimeout(this.idleTimer);
    try {
      return await work();
    } finally {
      this.busy -= 1;
      if (this.busy === 0) this.idleTimer = setTimeout(() => void this.stopIdle(), this.idleStopMs).unref();
    }
  }

  private async stopIdle(): Promise<void> {
    if (this.busy > 0 || !this.threads) return;
    await this.close();
  }

  /**
   * Hands out batches of [start, end) to the threads until `count` items are done or
   * `accept` returns false; waits for every batch out, so nothing runs on afterwards.
   */
  private async distribute(
    count: number,
    batchOf: (start: number, end: number) => Batch,
    accept: (start: number, answers: Answer[]) => boolean,
  ): Promise<void> {
    const threads = await this.ready();
    let next = 0;
    let going = true;
    let crash: Error | undefined;
    // Two batches out per thread, so a thread never waits for this one to hand it the next.
    await Promise.all(
      [...threads, ...threads].map(async (thread) => {
        while (next < count && going) {
          const start = next;
          next = Math.min(count, next + BATCH);
          try {
            going = accept(start, await thread.run(batchOf(start, next))) && going;
          } catch (err) {
            crash ??= err as Error;
            going = false;
          }
        }
      }),
    );
    if (crash) throw crash;
  }

  private ready(): Promise<FilingThread[]> {
    const current = this.threads;
    if (!current) return this.starting(Array.from({ length: this.size }, () => undefined));
    return current.then((threads) => {
      if (threads.every((t) => t.usable)) return threads;
      // A thread died (it should not): replace it; the others may be busy with other requests.
      if (this.threads !== current) return this.ready();
      return this.starting(threads.map((t) => (t.usable ? t : undefined)));
    });
  }

  private starting(places: (FilingThread | undefined)[]): Promise<FilingThread[]> {
    const started = startAll(places);
    this.threads = started;
    started.catch(() => {
      if (this.threads === started) this.threads = undefined;
    });
    return started;
  }
}

/** Starts a thread for every empty place; if one cannot start, stops those that did. */
async function startAll(places: (FilingThread | undefined)[]): Promise<FilingThread[]> {
  const settled = await Promise.allSettled(places.map((t) => (t ? Promise.resolve(t) : FilingThread.start())));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return settled.map((r) => (r as PromiseFulfilledResult<FilingThread>).value);
  await Promise.all(settled.map((r, i) => (r.status === 'fulfilled' && !places[i] ? r.value.stop() : undefined)));
  throw failure.reason;
}

/** The error a thread reported, as the type the rest of the code expects (RepoError for refusals). */
function revive(e: SerializedError): Error {
  if (e.name === 'RepoError' && e.code) return new RepoError(e.code as RepoErrorCode, e.message);
  const err: NodeJS.ErrnoException = new Error(e.message);
  if (e.code !== undefined) err.code = e.code;
  return err;
}

// Wake-ups for whoever waits on a job in this process (log followers, the end of a build):
// the database notifies every process of a new log chunk and of every job event
// (migration 0011's triggers, payload: the job id). One LISTEN per channel serves every
// watcher; a notification for a job nobody here watches costs nothing.

export const LOG_CHUNKS_CHANNEL = 'stubbuild_log_chunks';
export const JOB_EVENTS_CHANNEL = 'stubbuild_job_events';

/**
 * DatabaseHandle.listen: calls back with each NOTIFY's payload ('' after notifications may have
 * been missed), and `onLost` when they stop arriving; resolves to the unsubscribe.
 */
export type ListenForPayload = (channel: string, onNotify: (payload: string) => void, onLost?: () => void) => Promise<() => Promise<void>>;

export interface JobWatch {
  /**
   * Resolves true once the job was notified since the last call (at once if it already was),
   * false after `timeoutMs` or when `signal` aborts.
   */
  changed(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  close(): void;
}

class Watch implements JobWatch {
  private dirty = false;
  private wake: (() => void) | undefined;

  constructor(private readonly onClose: (watch: Watch) => void) {}

  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  changed(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.dirty || signal.aborted) {
      const was = this.dirty;
      this.dirty = false;
      return Promise.resolve(was);
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        const was = this.dirty;
        this.dirty = false;
        resolve(was);
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.onClose(this);
  }
}

export class JobWakeups {
  private readonly watches = new Map<number, Set<Watch>>();
  private subscribed: Promise<void> | undefined;
  private readonly unsubscribes: (() => Promise<void>)[] = [];

  /** Without `listen` nothing is notified: watchers wake only by their timeouts (a poll). */
  constructor(private readonly listen?: ListenForPayload | undefined) {}

  get notifies(): boolean {
    return this.listen !== undefined;
  }

  /** Watches a job; listening has begun when this resolves, so nothing after it is missed. */
  async watch(jobId: number): Promise<JobWatch> {
    const watch = new Watch((w) => {
      const set = this.watches.get(jobId);
      set?.delete(w);
      if (set?.size === 0) this.watches.delete(jobId);
    });
    let set = this.watches.get(jobId);
    if (!set) this.watches.set(jobId, (set = new Set()));
    set.add(watch);
    await this.subscribe();
    return watch;
  }

  async close(): Promise<void> {
    await this.subscribed?.catch(() => undefined);
    await Promise.all(this.unsubscribes.splice(0).map((u) => u().catch(() => undefined)));
  }

  private subscribe(): Promise<void> {
    const listen = this.listen;
    if (!listen) return Promise.resolve();
    this.subscribed ??= (async () => {
      for (const channel of [LOG_CHUNKS_CHANNEL, JOB_EVENTS_CHANNEL])
        this.unsubscribes.push(await listen(channel, (payload) => this.notify(payload)));
    })().catch(() => undefined); // not fatal: the watchers' timeouts poll
    return this.subscribed;
  }

  /** '' (after the listening connection was re-made): anything may have happened to any job. */
  private notify(payload: string): void {
    const sets = payload === '' ? [...this.watches.values()] : [this.watches.get(Number(payload))];
    for (const set of sets) for (const watch of set ?? []) watch.notify();
  }
}
